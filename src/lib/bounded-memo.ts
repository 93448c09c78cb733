// A function's answers kept for the last `limit` arguments: a Map emptied when full, so that any input (host names,
// client addresses, search queries) keeps it bounded. No dependencies: the browser extension bundles it with
// url-canonical.ts.

/** A Map of at most `limit` entries, emptied when a new one would pass it. */
function boundedMap<V> (limit: number) {
  const kept = new Map<string, V>()
  return {
    get: (key: string): V | undefined => kept.get(key),
    set (key: string, value: V): void {
      if (kept.size >= limit) kept.clear()
      kept.set(key, value)
    },
  }
}

/** `compute`, answering again from memory for an argument it has seen among the last `limit`. */
export function boundedMemo<V> (limit: number, compute: (key: string) => V): (key: string) => V {
  const kept = boundedMap<V>(limit)
  return (key) => {
    let value = kept.get(key)
    if (value === undefined) {
      value = compute(key)
      kept.set(key, value)
    }
    return value
  }
}

/** `boundedMemo` for an asynchronous `compute`: only answers are kept, never a failure. */
export function boundedAsyncMemo<V> (limit: number, compute: (key: string) => Promise<V>): (key: string) => Promise<V> {
  const kept = boundedMap<V>(limit)
  return async (key) => {
    const known = kept.get(key)
    if (known !== undefined) return known
    const value = await compute(key)
    kept.set(key, value)
    return value
  }
}
