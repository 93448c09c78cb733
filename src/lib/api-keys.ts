// API keys: their format, checksum and hash; who holds which role is src/domain/access.ts.
import { createHash, randomBytes } from 'node:crypto'
import { crc32 } from 'node:zlib'

// A key is `ct_` + 43 base62 characters (32 random bytes) + `_` + a 6-character base62 CRC-32 of the random part.
// The checksum lets secret scanners (and this service, before any database work) tell a real key from a typo.
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
const RANDOM_LENGTH = 43
const CHECKSUM_LENGTH = 6
const KEY_PATTERN = new RegExp(`^ct_([0-9A-Za-z]{${RANDOM_LENGTH}})_([0-9A-Za-z]{${CHECKSUM_LENGTH}})$`)

function base62 (value: bigint, length: number): string {
  let out = ''
  for (let v = value; out.length < length; v /= 62n) out = BASE62[Number(v % 62n)] + out
  return out
}

const checksumOf = (random: string) => base62(BigInt(crc32(random)), CHECKSUM_LENGTH)

/** A new key: the secret to show once, the prefix to show always, and the hash to store. */
export function generateApiKey (): { key: string, prefix: string, hash: string } {
  // 32 random bytes as a 256-bit number in 43 base62 digits (62^43 > 2^256).
  const random = base62(BigInt(`0x${randomBytes(32).toString('hex')}`), RANDOM_LENGTH)
  const key = `ct_${random}_${checksumOf(random)}`
  return { key, prefix: keyPrefix(key), hash: hashApiKey(key) }
}

/** Whether a string is shaped like a key and its checksum holds. */
export function isWellFormedApiKey (key: string): boolean {
  const match = KEY_PATTERN.exec(key)
  return match !== null && match[1] !== undefined && checksumOf(match[1]) === match[2]
}

export const keyPrefix = (key: string) => key.slice(0, 11)

/** Keys carry 256 random bits, so a fast hash is as safe as a slow one, and costs nothing per request. */
export const hashApiKey = (key: string) => createHash('sha256').update(key).digest('hex')
