// Shared API contracts: problem details, ids, paging, and the field types several resources use.
import { z } from 'zod'

export const ProblemSchema = z.object({
  type: z.string().describe('A URI reference naming the problem type, e.g. `/problems/not-found`.'),
  title: z.string().describe('A short, human-readable summary of the problem type.'),
  status: z.int().describe('The HTTP status code, repeated.'),
  detail: z.string().describe('What went wrong with this request, in words a developer can act on.'),
  instance: z.string().describe('The path of the request that failed.'),
  requestId: z.string().describe('The request id, also sent as the `X-Request-Id` header; quote it when reporting a problem.'),
  errors: z.array(z.object({
    field: z.string().describe('Where the problem is, e.g. `body.text` or `query.limit`.'),
    message: z.string(),
  })).optional().describe('Field-level problems, for validation failures.'),
  existingId: z.uuid().optional().describe('On a 409 for a duplicate: the id of the resource already there (its URL is the `Location` header).'),
}).meta({ id: 'Problem', description: 'An RFC 9457 problem details object, sent as `application/problem+json`.' })

export const IdSchema = z.uuid().describe('A resource id (UUID).')

export const IdParams = z.object({ id: IdSchema })

export const Timestamp = z.iso.datetime({ offset: true })
/** A timestamp in a request: ISO 8601 with an offset or `Z`, handed on as a Date. */
export const TimestampInput = Timestamp
  .refine((value) => new Date(value).getUTCFullYear() >= 1, 'must be a year from 0001 on')
  .transform((value) => new Date(value))
export const DateOnly = z.iso.date()
  .refine((value) => !value.startsWith('0000'), 'must be a year from 0001 on')
  .describe('A calendar date, `YYYY-MM-DD`.')

export const HttpUrl = z
  .url({ protocol: /^https?$/, hostname: z.regexes.domain, error: 'must be an absolute http or https URL' })
  .max(2048)

/** Trimmed text of bounded length; the trimmed value is what is stored. */
export const Text = (max: number, min = 1) => z.string().trim().min(min).max(max)
  .refine((value) => !value.includes('\u0000'), 'must not contain NUL characters')

export const LanguageTag = z
  .string()
  .max(35)
  .transform((value, ctx) => {
    try {
      const [canonical] = Intl.getCanonicalLocales(value)
      if (canonical) return canonical
    } catch {}
    ctx.addIssue({ code: 'custom', message: 'must be a BCP 47 language tag, e.g. `en` or `pt-BR`' })
    return z.NEVER
  })
  .describe('A BCP 47 language tag, e.g. `en`, `de`, `pt-BR`; stored in canonical case.')

export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20).describe('How many items to return (1-100).'),
  cursor: z.string().max(512).optional().describe('The `nextCursor` of the previous page; omit for the first page.'),
})

export const page = <T extends z.ZodType>(item: T) => z.object({
  data: z.array(item),
  nextCursor: z.string().nullable().describe('Pass as `cursor` to get the next page; `null` on the last page.'),
})

/** The problem responses every operation may give, by status. */
export const problemResponses = <const S extends readonly number[]>(...statuses: S) =>
  Object.fromEntries(statuses.map((status) => [status, ProblemSchema])) as { [K in S[number]]: typeof ProblemSchema }

export const NoContent = z.null().describe('No content.')

export const toIso = (value: Date) => value.toISOString()
export const toIsoOrNull = (value: Date | null) => value?.toISOString() ?? null

export const IfMatchHeaders = z.object({
  'if-match': z.string().max(1024).optional()
    .describe('The `ETag` of the version you are changing. Required: 428 without it (or with `*`, which names no version), 412 when the resource has changed since.'),
})

export const IfNoneMatchHeaders = z.object({
  'if-none-match': z.string().max(1024).optional()
    .describe('An `ETag` you already hold: the answer is 304 with no body while it is still current.'),
})

export const NotModified = z.null().describe('Not modified: the ETag you sent is still current.')

/** The object without its null and undefined fields: JSON-LD and Google's API leave absent values out. */
export const withoutEmpty = <T extends object>(value: T): T =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null && v !== undefined)) as T

/** Compile-time checks that a contract and the domain type it is read into stay the same type. */
export type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
export type AllTrue<T extends boolean[]> = T[number] extends true ? true : never
