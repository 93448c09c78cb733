// JSON that a page may paste into a <script> element as it is (JSON-LD, as every CMS inlines ClaimReview): `<`, `>`
// and `&` written as \uXXXX cannot close the element or open a comment, and U+2028/U+2029 cannot end a line of a
// JavaScript string. These characters only ever occur inside JSON strings, so a JSON parser reads the same data.
// @see https://html.spec.whatwg.org/multipage/scripting.html#restrictions-for-contents-of-script-elements
import type { FastifySerializerCompiler } from 'fastify'

const UNSAFE = /[<>&\u2028\u2029]/g

const escape = (char: string) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`

/** Serialized JSON with the characters that are unsafe inside a <script> element written as \uXXXX escapes. */
export const scriptSafeJson = (json: string): string => json.replace(UNSAFE, escape)

/** A serializer compiler whose answers are `compiler`'s, made script-safe. */
export const scriptSafeSerializerCompiler = <T>(compiler: FastifySerializerCompiler<T>): FastifySerializerCompiler<T> =>
  (route) => {
    const serialize = compiler(route)
    return (data: unknown) => scriptSafeJson(serialize(data))
  }
