// The requests of `npm run bench`: real ids, URLs, prefixes, filters, search terms and cursors picked from the
// data set, the workloads built from them, and the probes whose SQL the same-SQL floor replays.
import type { Sql } from 'postgres'
import { createCursors } from '../../src/lib/tokens/cursor.ts'
import type { Probe } from '../capture.ts'
import { pick, type Req } from './measure.ts'
import type { RouteKey } from './replay.ts'
import type { Etags } from './servers.ts'

/**
 * What a claim-matching client sends, made from a recorded claim: a sentence that says much of it in other words (its
 * last three quarters, and "they said").
 */
export function matchSentence (claimText: string): string {
  const words = claimText.split(/\s+/)
  return `${words.slice(Math.floor(words.length / 4)).join(' ')} they said`
}

export interface Samples {
  ids: string[]
  hitUrls: string[]
  missUrls: string[]
  prefixes: string[]
  filters: string[]
  terms: string[]
  matchTexts: string[]
  feedCursors: string[]
}

export const VERDICTS = ['false', 'mostly-false', 'true', 'mixed']

export async function pickSamples (sql: Sql, cursorSecret: string): Promise<Samples> {
  // Public claims (anonymous readers see them), spread over the whole table.
  const ids = (await sql<Array<{ id: string }>>`
    select id from claims tablesample bernoulli (5) repeatable (1) where is_public and deleted_at is null limit 2000`).map((r) => r.id)
  // Pages that carry a public claim, as people paste them (not canonical).
  const hitUrls = (await sql<Array<{ url: string }>>`
    select a.url from appearances a tablesample bernoulli (10) repeatable (3) join claims c on c.id = a.claim_id
    where a.url is not null and c.is_public and c.deleted_at is null limit 2000`).map((r) => r.url)
  const missUrls = Array.from({ length: 2000 }, (_, i) => `https://news.example.org/never-cited/${i}?utm_source=bench`)
  const prefixes = (await sql<Array<{ p: string }>>`
    select distinct left(url_hash, 8) as p from appearances tablesample bernoulli (5) repeatable (4) where url_hash is not null limit 1000`).map((r) => r.p)
  const topics = (await sql<Array<{ topic: string }>>`select distinct unnest(topics) as topic from claims tablesample bernoulli (2) repeatable (5) limit 40`).map((r) => r.topic)
  const claimantIds = (await sql<Array<{ id: string }>>`
    select claimant_id as id from claims tablesample bernoulli (2) repeatable (6) where claimant_id is not null group by claimant_id limit 200`).map((r) => r.id)
  const filters = [
    ...VERDICTS.map((v) => `verdict=${v}`),
    ...topics.map((t) => `topic=${encodeURIComponent(t)}`),
    ...claimantIds.slice(0, 40).map((c) => `claimant=${c}&sort=-claimDate`),
    'status=reviewed&language=en',
  ]
  // Search terms found in about 0.1% to 2% of claims: typical of what people type (bench/plans.ts covers the extremes).
  const texts = (await sql<Array<{ text: string }>>`select text from claims tablesample bernoulli (2) repeatable (7) where language = 'en'`).map((r) => r.text)
  const frequency = new Map<string, number>()
  for (const text of texts) for (const word of new Set(text.toLowerCase().match(/\p{L}{5,}/gu) ?? [])) frequency.set(word, (frequency.get(word) ?? 0) + 1)
  const terms = [...frequency]
    .filter(([, n]) => n >= texts.length / 1000 && n <= texts.length / 50)
    .map(([w]) => w)
    .sort()
    .slice(0, 200)
  const matchTexts = texts.slice(0, 300).map(matchSentence)
  // The change feed from many points of its history.
  const positions = await sql<Array<{ tx: string, seq: number }>>`
    select tx_id::text as tx, seq::int from revisions tablesample bernoulli (0.2) repeatable (8) where entity_type in ('claim', 'review') limit 300`
  const cursors = createCursors(cursorSecret)
  const feedCursors = positions.map((p) => cursors.encode({ tx: p.tx, seq: p.seq }, 'changes'))
  for (const [name, list] of Object.entries({ ids, hitUrls, prefixes, terms, matchTexts, feedCursors })) {
    if (list.length === 0) throw new Error(`no ${name} in the data set`)
  }
  return { ids, hitUrls, missUrls, prefixes, filters, terms, matchTexts, feedCursors }
}

export type Kind = 'hot' | 'narrow' | 'api'
export interface Workload {
  name: string
  /** hot: measured on the same-SQL floor and the API; narrow: the narrow floor; api: the API only. */
  kind: Kind
  /** The same-SQL floor route that serves it (hot workloads). */
  route?: RouteKey
  /** Statuses that count as success besides 2xx (a 304 for conditional requests). */
  expected?: number[]
  /** A request; conditional ones carry the ETag the API being measured gave (a floor answers 304 to any). */
  next: (etags: Etags) => Req
}

const q = encodeURIComponent

export function workloadsFor (s: Samples, key: string): Workload[] {
  const json = { 'content-type': 'application/json' }
  const withKey = { authorization: `Bearer ${key}` }
  let serial = 0
  const create = (): Req => ({ method: 'POST', path: '/v1/claims', headers: { ...withKey, ...json }, body: JSON.stringify({ text: `Bench claim ${process.pid}-${serial++}: unemployment fell by ${serial % 40} percent.`, topics: ['bench'] }) })
  const reads: Array<() => Req> = [
    () => ({ method: 'GET', path: `/v1/claims/${pick(s.ids)}` }),
    () => ({ method: 'GET', path: `/v1/lookup?url=${q(pick(s.hitUrls))}` }),
    () => ({ method: 'GET', path: `/v1/lookup?url=${q(pick(s.missUrls))}` }),
    () => ({ method: 'GET', path: `/v1/claims?${pick(s.filters)}&limit=20` }),
    () => ({ method: 'GET', path: `/v1/claims?q=${q(pick(s.terms))}&limit=20` }),
    () => ({ method: 'POST', path: '/v1/claims/match', headers: json, body: JSON.stringify({ text: pick(s.matchTexts), limit: 10 }) }),
    () => ({ method: 'GET', path: `/v1/changes?limit=100&after=${q(pick(s.feedCursors))}` }),
  ]
  const batches = Array.from({ length: 50 }, () => JSON.stringify({ urls: batchOf(s) }))
  const read = (i: number) => reads[i] as () => Req
  return [
    { name: 'narrow floor: claim by id', kind: 'narrow', next: () => ({ method: 'GET', path: `/claims/${pick(s.ids)}` }) },
    { name: 'narrow floor: lookup', kind: 'narrow', next: () => ({ method: 'GET', path: `/lookup?url=${q(pick(s.hitUrls))}` }) },
    { name: 'claim by id', kind: 'hot', route: 'claim', next: read(0) },
    { name: 'claim by id, 304', kind: 'hot', route: 'claim', expected: [304], next: (e) => { const [id, etag] = pick(e.claims); return { method: 'GET', path: `/v1/claims/${id}`, headers: { 'if-none-match': etag } } } },
    { name: 'lookup, hit', kind: 'hot', route: 'lookup', next: read(1) },
    { name: 'lookup, miss', kind: 'hot', route: 'lookup', next: read(2) },
    { name: 'lookup, 304', kind: 'hot', route: 'lookup', expected: [304], next: (e) => { const [url, etag] = pick(e.pages); return { method: 'GET', path: `/v1/lookup?url=${q(url)}`, headers: { 'if-none-match': etag } } } },
    { name: 'prefix lookup', kind: 'hot', route: 'prefix', next: () => ({ method: 'GET', path: `/v1/lookup/prefixes/${pick(s.prefixes)}` }) },
    { name: 'batch lookup, 100 URLs', kind: 'hot', route: 'batch', next: () => ({ method: 'POST', path: '/v1/lookup', headers: json, body: pick(batches) }) },
    // The same batches as the compact verdict summaries (API only: the floor replays POST /v1/lookup's statement).
    { name: 'batch verdicts, 100 URLs', kind: 'api', next: () => ({ method: 'POST', path: '/v1/lookup/verdicts', headers: json, body: pick(batches) }) },
    { name: 'list page', kind: 'hot', route: 'list', next: () => ({ method: 'GET', path: `/v1/claims?verdict=${pick(VERDICTS)}&limit=20` }) },
    { name: 'claim by id, API key', kind: 'api', next: () => ({ method: 'GET', path: `/v1/claims/${pick(s.ids)}`, headers: withKey }) },
    { name: 'filtered list', kind: 'api', next: read(3) },
    { name: 'full-text search', kind: 'api', next: read(4) },
    { name: 'claim matching', kind: 'api', next: read(5) },
    { name: 'sync feed page', kind: 'api', next: read(6) },
    { name: 'create claim', kind: 'api', next: create },
    { name: 'mixed 90% read / 10% write', kind: 'api', next: () => Math.random() < 0.1 ? create() : pick(reads)() },
  ]
}

/** 100 URLs, half of them cited pages. */
const batchOf = (s: Samples) => Array.from({ length: 100 }, (_, i) => i % 2 === 0 ? pick(s.hitUrls) : pick(s.missUrls))

/** Three requests per hot route: the first makes the template, the others check that it carries over. */
export function probesFor (s: Samples): Probe[] {
  const [id1 = '', id2 = '', id3 = ''] = s.ids
  const [hit1 = '', hit2 = ''] = s.hitUrls
  const [miss1 = ''] = s.missUrls
  const claim = (route: RouteKey, id: string, conditional = false): Probe => ({ route, method: 'GET', url: `/v1/claims/${id}`, conditional, raw: { id } })
  const lookup = (route: RouteKey, url: string, conditional = false): Probe => ({ route, method: 'GET', url: `/v1/lookup?url=${q(url)}`, conditional, raw: { url } })
  const batch = (urls: string[]): Probe => ({ route: 'batch', method: 'POST', url: '/v1/lookup', payload: { urls }, raw: { urls } })
  return [
    claim('claim', id1), claim('claim', id2), claim('claim', id3),
    claim('claim-304', id1, true), claim('claim-304', id2, true), claim('claim-304', id3, true),
    lookup('lookup', hit1), lookup('lookup', hit2), lookup('lookup', miss1),
    lookup('lookup-304', hit1, true), lookup('lookup-304', hit2, true),
    ...s.prefixes.slice(0, 3).map((prefix): Probe => ({ route: 'prefix', method: 'GET', url: `/v1/lookup/prefixes/${prefix}`, raw: { prefix } })),
    batch(batchOf(s)), batch(batchOf(s)), batch(batchOf(s)),
    ...VERDICTS.map((verdict): Probe => ({ route: 'list', method: 'GET', url: `/v1/claims?verdict=${verdict}&limit=20`, raw: { verdict } })),
  ]
}
