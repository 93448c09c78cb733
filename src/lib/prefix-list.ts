// The prefix list's wire format, shared by the server and the browser extension: sorted, distinct hash prefixes
// (big-endian unsigned integers of 1–6 bytes) as the first value then each gap to the next, every number an
// unsigned LEB128 varint, the bytes in base64. No Node APIs: the extension bundles this file.

/** Hex prefixes (sorted, distinct, equal length, at most 12 hex characters) to delta-varint base64. */
export const encodePrefixes = (prefixes: readonly string[]): string =>
  encodeValues(prefixes.map((p) => Number.parseInt(p, 16)))

/** Prefixes as numbers (sorted, distinct, below 2^48) to delta-varint base64. */
export function encodeValues (values: ArrayLike<number>): string {
  // A 6-byte value takes at most 7 varint bytes.
  const bytes = new Uint8Array(values.length * 7)
  let length = 0
  let previous = 0
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as number
    let gap = value - previous
    previous = value
    // Division, not bit shifts: a gap can pass 2^32.
    while (gap >= 0x80) {
      bytes[length++] = (gap % 0x80) | 0x80
      gap = Math.floor(gap / 0x80)
    }
    bytes[length++] = gap
  }
  // btoa takes a binary string; build it in chunks that stay under the engine's argument limit.
  const chunks: string[] = []
  for (let i = 0; i < length; i += 0x8000) {
    chunks.push(String.fromCharCode(...bytes.subarray(i, Math.min(i + 0x8000, length))))
  }
  return btoa(chunks.join(''))
}

/** The inverse of encodePrefixes: the sorted prefixes as numbers. */
export function decodePrefixes (encoded: string): number[] {
  const binary = atob(encoded)
  const values: number[] = []
  let previous = 0
  let gap = 0
  let scale = 1
  for (let i = 0; i < binary.length; i++) {
    const byte = binary.charCodeAt(i)
    gap += (byte & 0x7f) * scale
    if (byte & 0x80) {
      scale *= 0x80
      continue
    }
    previous += gap
    values.push(previous)
    gap = 0
    scale = 1
  }
  return values
}

/** A prefix number as `bytes * 2` hex characters. */
export const prefixHex = (value: number, bytes: number): string => value.toString(16).padStart(bytes * 2, '0')
