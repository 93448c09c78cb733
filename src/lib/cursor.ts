// Opaque paging cursors: the sort position of the last item returned, base64url-encoded JSON.
import { z } from 'zod'
import { problem } from '../errors.ts'

export function encodeCursor (position: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url')
}

/** Decodes a cursor into the shape a query expects; anything else is a 400 invalid-cursor problem. */
export function decodeCursor<T> (cursor: string, schema: z.ZodType<T>): T {
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    parsed = undefined
  }
  const result = schema.safeParse(parsed)
  if (!result.success) throw problem('invalid-cursor', 'The cursor is not one this API issued for this list; start again without it.')
  return result.data
}

const IdPosition = z.object({ id: z.uuid() })

/** The cursor of the id-ordered lists: the id of the last item of the page. */
export const idCursor = {
  decode: (cursor: string | undefined): string | undefined => cursor === undefined ? undefined : decodeCursor(cursor, IdPosition).id,
  encode: (afterId: string | null): string | null => afterId === null ? null : encodeCursor({ id: afterId }),
}
