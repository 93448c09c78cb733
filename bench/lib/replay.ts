// The same-SQL floor's statements: what the app sent for one request of each hot route (captured by
// bench/capture.ts through drizzle's query logger), turned into a template whose parameters that came from the
// request (the id, the URL's canonical form and hash, the prefix, the batch's hashes, the verdict) are slots the
// floor fills from each request it serves. A template is trusted only if it reproduces, exactly, what the app sent
// for the other captured requests of that route (verify).
import { isDeepStrictEqual } from 'node:util'
import { canonicalizeUrl } from '../../src/lib/url-canonical.ts'
import { urlHash } from '../../src/lib/url-hash.ts'

/** The hot routes, each with the request inputs its statements depend on. */
export const ROUTES = {
  claim: 'GET /v1/claims/:id',
  'claim-304': 'GET /v1/claims/:id with If-None-Match',
  lookup: 'GET /v1/lookup?url=',
  'lookup-304': 'GET /v1/lookup?url= with If-None-Match',
  prefix: 'GET /v1/lookup/prefixes/:prefix',
  batch: 'POST /v1/lookup {urls}',
  list: 'GET /v1/claims?verdict=&limit=20',
} as const
export type RouteKey = keyof typeof ROUTES

/** What a request of a hot route carries: the id, URL, prefix, URLs or verdict. */
export interface RawInputs { id?: string, url?: string, prefix?: string, urls?: string[], verdict?: string }

const hashOf = (url: string) => urlHash(canonicalizeUrl(url) ?? url)

/** The values the route's statements may carry, derived from the request as the app derives them. */
export function derive (raw: RawInputs): Record<string, unknown> {
  const values: Record<string, unknown> = {}
  if (raw.id !== undefined) values.id = raw.id
  if (raw.prefix !== undefined) values.prefix = raw.prefix
  if (raw.verdict !== undefined) values.verdict = raw.verdict
  if (raw.url !== undefined) {
    const canonical = canonicalizeUrl(raw.url) ?? raw.url
    Object.assign(values, { url: raw.url, canonical, hash: urlHash(canonical) })
  }
  // The batch asks for each distinct hash once, in the order of the URLs (src/services/lookup.ts).
  if (raw.urls !== undefined) values.hashes = [...new Set(raw.urls.map(hashOf))]
  return values
}

export interface Captured { query: string, params: unknown[] }
export type Param = { value: unknown } | { slot: string }
export interface Statement { query: string, params: Param[] }
export type Templates = Partial<Record<RouteKey, Statement[]>>

export function templateOf (captured: Captured[], raw: RawInputs): Statement[] {
  const values = Object.entries(derive(raw))
  return captured.map(({ query, params }) => ({
    query,
    params: params.map((value): Param => {
      const slot = values.find(([, v]) => isDeepStrictEqual(v, value))
      return slot ? { slot: slot[0] } : { value }
    }),
  }))
}

export function fill (statements: Statement[], raw: RawInputs): Captured[] {
  const values = derive(raw)
  return statements.map(({ query, params }) => ({ query, params: params.map((p) => 'slot' in p ? values[p.slot] : p.value) }))
}

/** Throws unless the template, filled with another request's inputs, is what the app sent for that request. */
export function verify (route: RouteKey, statements: Statement[], raw: RawInputs, sent: Captured[]) {
  const filled = fill(statements, raw)
  if (!isDeepStrictEqual(JSON.parse(JSON.stringify(filled)), JSON.parse(JSON.stringify(sent)))) {
    throw new Error(`${ROUTES[route]}: the captured statements do not carry over to another request; the app sent\n` +
      `${JSON.stringify(sent).slice(0, 2000)}\nand the floor would send\n${JSON.stringify(filled).slice(0, 2000)}`)
  }
}
