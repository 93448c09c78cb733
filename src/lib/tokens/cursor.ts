// Opaque, tamper-evident paging cursors: the sort position of the last item returned, signed (HMAC-SHA256) together
// with the list it belongs to, so that a forged cursor, or one from another list, sort or filter, is refused.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import { z } from 'zod'
import { InvalidCursorError } from '../../domain/errors.ts'

const invalid = () => new InvalidCursorError('The cursor is not one this API issued for this list, sort and filters; start again without it.')

const IdPosition = z.object({ id: z.uuid() })
const SeqPosition = z.object({ seq: z.int().positive() })

export function createCursors (secret: string) {
  const sign = (scope: string, payload: string) =>
    createHmac('sha256', secret).update(`${scope}\n${payload}`).digest().subarray(0, 16)

  function encode (position: Record<string, unknown>, scope: string): string {
    const payload = Buffer.from(JSON.stringify(position)).toString('base64url')
    return `${payload}.${sign(scope, payload).toString('base64url')}`
  }

  /** The position in a cursor issued for `scope`; anything else is an InvalidCursorError. */
  function decode<T> (cursor: string, schema: z.ZodType<T>, scope: string): T {
    const [payload, mac, extra] = cursor.split('.')
    if (!payload || !mac || extra !== undefined) throw invalid()
    const given = Buffer.from(mac, 'base64url')
    const expected = sign(scope, payload)
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid()
    let parsed: unknown
    try {
      parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))
    } catch {
      throw invalid()
    }
    const result = schema.safeParse(parsed)
    if (!result.success) throw invalid()
    return result.data
  }

  return {
    encode,
    decode,
    /** Cursors of the lists ordered by id (newest first): the id of the last item of the page. */
    id: {
      decode: (cursor: string | undefined, scope: string): string | undefined =>
        cursor === undefined ? undefined : decode(cursor, IdPosition, scope).id,
      encode: (afterId: string | null, scope: string): string | null =>
        afterId === null ? null : encode({ id: afterId }, scope),
    },
    /** Cursors of the logs ordered by sequence number (newest first): the number of the last item of the page. */
    seq: {
      decode: (cursor: string | undefined, scope: string): number | undefined =>
        cursor === undefined ? undefined : decode(cursor, SeqPosition, scope).seq,
      encode: (afterSeq: string | null, scope: string): string | null =>
        afterSeq === null ? null : encode({ seq: Number(afterSeq) }, scope),
    },
  }
}

export type Cursors = ReturnType<typeof createCursors>

/** The scope of a filtered list: a cursor is good only for the list, filters and sort it was issued for. */
export function listScope (list: string, params: Record<string, unknown>): string {
  const canonical = JSON.stringify(params, Object.keys(params).sort())
  return `${list}:${createHash('sha256').update(canonical).digest('base64url')}`
}
