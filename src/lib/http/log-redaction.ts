// What the log may not keep of a URL: an API key sent where none belongs (`?api_key=ct_…`, or in the path) and
// the values of parameters that conventionally carry credentials. The service never reads keys from URLs; callers
// who put one there still must not find it in the log.

/** An API key's shape (src/domain/access.ts), or a truncated one: `ct_` and a run of base62 characters. */
const KEY_SHAPED = /ct_[0-9A-Za-z]{8,}(?:_[0-9A-Za-z]*)?/g
/** Query parameters whose values are credentials whatever they look like. */
const SECRET_PARAMETER = /([?&](?:api[_-]?key|key|token|access[_-]?token|auth|authorization|password|secret)=)[^&#]*/gi

export const REDACTED = '[REDACTED]'

/** The URL with key-shaped values and credential parameters replaced by `[REDACTED]`. */
export function redactUrl (url: string): string {
  return url.replace(SECRET_PARAMETER, `$1${REDACTED}`).replace(KEY_SHAPED, `ct_${REDACTED}`)
}
