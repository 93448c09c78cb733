// A function's answers kept for the last `limit` arguments: a Map emptied when full, so that any input (host names,
// client addresses) keeps it bounded. No dependencies: the browser extension bundles it with url-canonical.ts.

/** `compute`, answering again from memory for an argument it has seen among the last `limit`. */
export function boundedMemo<V> (limit: number, compute: (key: string) => V): (key: string) => V {
  const kept = new Map<string, V>()
  return (key) => {
    let value = kept.get(key)
    if (value === undefined) {
      value = compute(key)
      if (kept.size >= limit) kept.clear()
      kept.set(key, value)
    }
    return value
  }
}
