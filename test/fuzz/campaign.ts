// A fuzzing campaign against a running app: a world of real objects to aim at, requests generated from the OpenAPI
// document and resolved against what the app holds now, and the oracle's verdict on every answer. Shared by
// test/fuzz/openapi.test.ts (short, in CI) and scripts/fuzz.ts (long campaigns).
import { readFileSync } from 'node:fs'
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify'
import fc from 'fast-check'
import { canonicalizeUrl } from '../../src/lib/url-canonical.ts'
import { hashPrefix, urlHash } from '../../src/lib/url-hash.ts'
import { seedWorld, type World } from '../security/fixtures.ts'
import { CurrentEtag, Pick, RawUrl, operationsOf, requestArbitrary, type CallerSpec, type OpenApiDocument, type Operation, type RequestSpec } from './openapi-arbitraries.ts'
import { createOracle, type Oracle, type Verdict } from './oracle.ts'

export const loadDocument = (): OpenApiDocument =>
  JSON.parse(readFileSync(new URL('../../openapi/openapi.json', import.meta.url), 'utf8')) as OpenApiDocument

/** The request as sent, for reports. */
export interface SentRequest {
  method: string
  url: string
  headers: Record<string, string>
  payload?: string
  caller: string
}

export interface Stats {
  requests: number
  serverErrors: number
  verdicts: Record<Verdict, number>
  /** Why requests were not valid, by the first reason found. */
  reasons: Map<string, number>
  /** Answers by operation and status, e.g. `createClaim 201`. */
  statuses: Map<string, number>
  /** One answer of each operation, status and verdict, for a closer look (`npm run fuzz -- --verbose`). */
  samples: Map<string, string>
}

type Entry = Record<string, string>

const MAX_POOL = 100

/** Percent-encodes every character but the unreserved ones; a lone surrogate becomes the bytes WTF-8 gives it. */
export function encodeLoose (text: string): string {
  let out = ''
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i)
    let cp = unit
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1)
      if (next >= 0xdc00 && next <= 0xdfff) {
        cp = 0x10000 + ((unit - 0xd800) << 10) + (next - 0xdc00)
        i++
      }
    }
    const ch = String.fromCodePoint(cp)
    if (/^[A-Za-z0-9\-._~]$/.test(ch)) {
      out += ch
      continue
    }
    const bytes = cp < 0x80
      ? [cp]
      : cp < 0x800
        ? [0xc0 | (cp >> 6), 0x80 | (cp & 63)]
        : cp < 0x10000
          ? [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63)]
          : [0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63)]
    out += bytes.map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('')
  }
  return out
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** What a header value looks like once it has crossed HTTP: UTF-8 bytes read as Latin-1, no control characters. */
function headerValue (text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1').replace(/[^\t\x20-\x7e\x80-\xff]/g, '').trim()
}

/**
 * The document's path of a fastify route: `/v1/claims/:id` -> `/v1/claims/{id}`, `claims::search` -> `claims:search`.
 */
const documentPath = (url: string) => url.replace(/(?<=\/):(\w+)/g, '{$1}').replaceAll('::', ':')

export interface Campaign {
  app: FastifyInstance
  doc: OpenApiDocument
  ops: Operation[]
  world: World
  stats: Stats
  arbitrary: fc.Arbitrary<RequestSpec>
  /** Sends one generated request and judges the answer: the faults found, and what was sent. */
  send (spec: RequestSpec): Promise<{ faults: string[], sent: SentRequest, answer: LightMyRequestResponse }>
}

/**
 * Prepares an app for a campaign: it must not be ready yet (a hook records which route answered), and it must hold
 * the test organisation (build() or withTestOrganization()). Fills it with a world of objects of every kind.
 */
export async function prepareCampaign (app: FastifyInstance, doc: OpenApiDocument = loadDocument()): Promise<Campaign> {
  const ops = operationsOf(doc)
  const byRoute = new Map(ops.map((op) => [`${op.method} ${op.path}`, op]))
  const oracle: Oracle = createOracle(doc)
  const stats: Stats = {
    requests: 0,
    serverErrors: 0,
    verdicts: { valid: 0, invalid: 0, unspecified: 0 },
    reasons: new Map(),
    statuses: new Map(),
    samples: new Map(),
  }
  let answeredBy: string | undefined
  app.addHook('onResponse', async (request) => {
    answeredBy = request.routeOptions.url === undefined ? undefined : `${request.method} ${documentPath(request.routeOptions.url)}`
  })
  /** Every request of the campaign goes through here, so that none goes uncounted. */
  const inject = async (options: InjectOptions) => {
    answeredBy = undefined
    const answer = await app.inject(options)
    stats.requests++
    if (answer.statusCode >= 500) stats.serverErrors++
    return answer
  }

  const world = await seedWorld(app)
  const pools = new Map<string, Entry[]>()
  const put = (pool: string, entry: Entry) => {
    const list = pools.get(pool) ?? []
    if (list.some((e) => e.value === entry.value)) return
    if (list.length < MAX_POOL) list.push(entry)
    else list[(stats.requests * 7919) % MAX_POOL] = entry
    pools.set(pool, list)
  }
  const claimObjects = [world.privateClaim, world.publicClaim]
  for (const c of claimObjects) {
    put('claims', { value: c.id, id: c.id, claimId: c.id })
    put('appearances', { value: c.appearanceId, id: c.appearanceId, claimId: c.id })
    put('evidence', { value: c.evidenceId, id: c.evidenceId, claimId: c.id })
    put('reviews', { value: c.reviewId, id: c.reviewId, claimId: c.id })
  }
  put('reviews', { value: world.publicClaim.draftReviewId, id: world.publicClaim.draftReviewId, claimId: world.publicClaim.id })
  put('claimants', { value: world.claimantId, id: world.claimantId })
  put('rating-scales', { value: world.scaleId, id: world.scaleId })
  put('api-keys', { value: world.keyId, id: world.keyId })
  put('webhooks', { value: world.webhookId, id: world.webhookId })
  for (const slug of ['newsroom', 'rival', 'no-such-org']) put('organizations', { value: slug, slug })
  for (const url of ['https://hidden.example.org/said', 'https://shown.example.org/said', 'https://shown.example.org/source']) {
    put('urls', { value: url })
    const canonical = canonicalizeUrl(url)
    if (canonical) put('prefixes', { value: hashPrefix(urlHash(canonical)), prefix: hashPrefix(urlHash(canonical)) })
  }
  for (const [pool, entries] of pools) {
    if (pool !== 'urls' && pool !== 'organizations' && pool !== 'prefixes') for (const e of entries) put('any-id', { value: e.value ?? '' })
  }

  const entryOf = (p: Pick): Entry | undefined => {
    const list = pools.get(p.pool)
    return list && list.length > 0 ? list[p.index % list.length] : undefined
  }
  const fallback = (pool: string) => pool === 'etags' ? '"no-etag-yet"' : '00000000-0000-0000-0000-000000000000'
  const valueOfPick = (p: Pick) => entryOf(p)?.value ?? fallback(p.pool)
  /**
   * The value with every Pick replaced by what its pool holds now; a cursor comes from the operation's own answers,
   * and is left out (undefined) while there is none.
   */
  const resolve = (value: unknown, op: Operation): unknown => {
    if (value instanceof Pick) return value.pool === 'cursors' ? entryOf(new Pick(`cursors ${op.operationId}`, value.index))?.value : valueOfPick(value)
    if (Array.isArray(value)) return value.map((v) => resolve(v, op))
    if (value !== null && typeof value === 'object' && !(value instanceof RawUrl) && !(value instanceof CurrentEtag)) {
      const out: Record<string, unknown> = {}
      for (const [k, v] of Object.entries(value)) {
        Object.defineProperty(out, k, { value: resolve(v, op), enumerable: true, writable: true, configurable: true })
      }
      return out
    }
    return value
  }

  const ownAdmin = { authorization: `Bearer ${world.own.admin}` }
  const authorizationOf = (caller: CallerSpec): string | undefined => {
    if (caller.kind === 'anonymous') return undefined
    if (caller.kind === 'raw') return headerValue(caller.authorization)
    return `Bearer ${(caller.organization === 'own' ? world.own : world.rival)[caller.role as keyof World['own']]}`
  }
  const callerName = (caller: CallerSpec) => caller.kind === 'key' ? `${caller.organization} ${caller.role}` : caller.kind === 'raw' ? `raw ${JSON.stringify(caller.authorization)}` : 'anonymous'

  async function currentEtag (path: string): Promise<string> {
    const target = path.replace(/\/(publish|retract)$/, '')
    const res = await inject({ method: 'GET', url: target, headers: ownAdmin })
    return typeof res.headers.etag === 'string' ? res.headers.etag : '"none"'
  }

  /** Learns ids, cursors, URLs and ETags from an answer, so that later requests hit real objects. */
  function learn (op: Operation, pathParams: Entry, answer: LightMyRequestResponse) {
    if (typeof answer.headers.etag === 'string') put('etags', { value: answer.headers.etag })
    if (answer.statusCode >= 300 || !String(answer.headers['content-type']).includes('json')) return
    let body: Record<string, unknown>
    try {
      body = answer.json()
    } catch {
      return
    }
    for (const key of ['nextCursor', 'nextPageToken']) if (typeof body[key] === 'string') put(`cursors ${op.operationId}`, { value: body[key] })
    // Made (201), or accepted to be made (202, an import): either way a resource to aim later requests at.
    if ((answer.statusCode === 201 || answer.statusCode === 202) && typeof body.id === 'string') {
      const pool = op.path.split('/').at(-1) ?? ''
      const claimId = pool === 'claims' ? body.id : pathParams.claimId
      put(pool, { value: body.id, id: body.id, ...(claimId && { claimId }) })
      put('any-id', { value: body.id })
      if (typeof body.url === 'string' && pool === 'appearances') put('urls', { value: body.url })
    }
  }

  async function send (spec: RequestSpec) {
    const op = ops[spec.operation]
    if (!op) throw new Error(`no operation ${spec.operation}`)
    let verdict = 'valid' as Verdict
    let reason = ''
    const worse = (v: Verdict, why: string) => {
      if (v === 'valid' || verdict === 'invalid' || (v === 'unspecified' && verdict === 'unspecified')) return
      verdict = v
      reason = why
    }

    // Path parameters: from one known object, or one by one.
    const pathParams: Entry = {}
    let url = op.path
    const picked = spec.path instanceof Pick ? entryOf(spec.path) : undefined
    for (const param of op.path_) {
      const raw =
        spec.path instanceof Pick
          ? (picked?.[param.name] ?? picked?.value ?? fallback(spec.path.pool))
          : spec.path[param.name]
      let segment: string
      if (raw instanceof RawUrl) {
        segment = raw.text
        worse('unspecified', 'raw path')
      } else {
        const value = raw instanceof Pick ? (entryOf(raw)?.[param.name] ?? valueOfPick(raw)) : String(resolve(raw, op))
        pathParams[param.name] = value
        segment = encodeLoose(value)
        if (LONE_SURROGATE.test(value) || /^\.{1,2}$/.test(value)) worse('unspecified', 'path dots or surrogates')
        else if (!oracle.accepts(param.schema, value, true)) worse('invalid', 'path parameter')
      }
      url = url.replace(`{${param.name}}`, segment)
    }

    // Query: the pairs, repeated names as arrays as the server reads them.
    const query: Record<string, unknown> = {}
    const parts: string[] = []
    for (const [name, rawValue] of spec.query) {
      if (rawValue instanceof RawUrl) {
        parts.push(rawValue.text)
        worse('unspecified', 'raw query')
        continue
      }
      const resolved = resolve(rawValue, op)
      if (resolved === undefined) continue
      const value = typeof resolved === 'string' ? resolved : JSON.stringify(resolved) ?? ''
      if (LONE_SURROGATE.test(value) || LONE_SURROGATE.test(name)) worse('unspecified', 'query surrogates')
      // `offset=` is 0 to the server (zod's number coercion) but no integer to the validator: the document cannot say.
      const type = op.query.find((p) => p.name === name)?.schema.type
      parts.push(`${encodeLoose(name)}=${encodeLoose(value)}`)
      if (value === '' && (type === 'integer' || type === 'number')) {
        worse('unspecified', 'empty number')
        continue
      }
      const before = query[name]
      query[name] = before === undefined ? value : Array.isArray(before) ? [...before, value] : [before, value]
      // Unknown parameters are refused (400), not ignored; a nameless one (`=x`) is not read as a parameter at all.
      if (name !== '' && !op.query.some((p) => p.name === name)) worse('invalid', `unknown query parameter ${name}`)
    }
    if (parts.length > 0) url += `?${parts.join('&')}`
    if (op.query.length > 0) {
      const schema = { type: 'object', properties: Object.fromEntries(op.query.map((p) => [p.name, p.schema])), required: op.query.filter((p) => p.required).map((p) => p.name) }
      const known = Object.fromEntries(Object.entries(query).filter(([k]) => op.query.some((p) => p.name === k)))
      if (!oracle.accepts(schema, known, true)) worse('invalid', 'query')
    }

    // Headers: documented ones are judged by their schema, others only sent.
    const headers: Record<string, string | undefined> = {}
    let sentIfNoneMatch = false
    for (const [name, rawValue] of Object.entries(spec.headers)) {
      const value = rawValue instanceof CurrentEtag
        ? await currentEtag(url.split('?')[0] ?? url)
        : headerValue((() => { const r = resolve(rawValue, op); return typeof r === 'string' ? r : JSON.stringify(r) ?? '' })())
      headers[name] = value
      if (name === 'if-none-match') sentIfNoneMatch = true
      const param = op.headers.find((p) => p.name === name)
      if (param && !oracle.accepts(param.schema, value, true)) worse('invalid', `header ${name}`)
      if (!param && (name === 'content-encoding' || name === 'transfer-encoding' || name === 'if-match' || name === 'if-none-match')) worse('unspecified', `undocumented ${name}`)
    }
    headers.authorization = authorizationOf(spec.caller)
    if (spec.caller.kind === 'raw' && op.authenticated) worse('invalid', 'credentials')

    // Body and its content type.
    let payload: string | undefined
    const { body } = spec
    if (body.kind === 'json') payload = JSON.stringify(resolve(body.value, op)) ?? 'null'
    else if (body.kind === 'raw') payload = body.text
    else if (body.kind === 'huge') payload = `{"text":"${'a'.repeat(body.bytes)}"}`
    if (spec.contentType !== null && (payload !== undefined || op.body)) headers['content-type'] = spec.contentType
    const mediaType = spec.contentType?.split(';')[0]?.trim().toLowerCase()
    const charset = /charset\s*=\s*"?([\w-]+)/i.exec(spec.contentType ?? '')?.[1]?.toLowerCase()
    if (op.body) {
      if (payload === undefined) worse(op.body.required ? 'invalid' : 'valid', 'no body')
      else if (body.kind === 'huge') worse('invalid', 'body too large')
      else if (mediaType !== 'application/json') worse(/^application\/[\w.+-]+\+json$/.test(mediaType ?? '') ? 'unspecified' : 'invalid', 'content type')
      else if (charset !== undefined && charset !== 'utf-8') worse('unspecified', 'charset')
      else {
        let parsed: unknown
        try {
          parsed = JSON.parse(payload)
          if (!oracle.accepts(op.body.schema, parsed, false)) worse('invalid', 'body schema')
        } catch {
          worse('invalid', 'body not JSON')
        }
      }
    } else if (payload !== undefined) worse('unspecified', 'undocumented body')

    const sent: SentRequest = {
      method: op.method,
      url,
      headers: headers as Record<string, string>,
      caller: callerName(spec.caller),
      ...(payload !== undefined && { payload }),
    }
    const answer = await inject({
      method: op.method,
      url,
      headers,
      ...(payload !== undefined && { payload }),
    } as InjectOptions)
    stats.verdicts[verdict]++
    if (reason) stats.reasons.set(`${verdict}: ${reason}`, (stats.reasons.get(`${verdict}: ${reason}`) ?? 0) + 1)
    const key = `${op.operationId} ${answer.statusCode}`
    stats.statuses.set(key, (stats.statuses.get(key) ?? 0) + 1)
    if (!stats.samples.has(`${key} ${verdict}`)) stats.samples.set(`${key} ${verdict}`, `${op.method} ${url.slice(0, 300)} ${payload?.slice(0, 300) ?? ''} -> ${answer.body.slice(0, 300)}`)
    // The answer is judged against the operation that answered it: a path that changed route (`/v1/claims/.` is
    // `/v1/claims/`) has its own contract, and what was valid or not for the one aimed at says nothing about it.
    const answering = answeredBy === undefined ? undefined : byRoute.get(answeredBy)
    const faults = oracle.judge(answer, answering === op ? verdict : 'unspecified', answering, sentIfNoneMatch)
    learn(op, pathParams, answer)
    return { faults, sent, answer }
  }

  return { app, doc, ops, world, stats, arbitrary: requestArbitrary(doc, ops), send }
}

/** A readable account of a request that went wrong. */
export function describe (sent: SentRequest, answer: LightMyRequestResponse, faults: string[]): string {
  const cut = (s: string, n = 1_000) => s.length > n ? `${s.slice(0, n)}… (${s.length} characters)` : s
  return [
    `${faults.join('\n')}`,
    `request: ${sent.method} ${cut(sent.url)} as ${sent.caller}`,
    `headers: ${cut(JSON.stringify(sent.headers))}`,
    ...(sent.payload === undefined ? [] : [`body: ${cut(JSON.stringify(sent.payload))}`]),
    `answer: ${answer.statusCode} ${String(answer.headers['content-type'] ?? '')} ${cut(answer.body, 600)}`,
  ].join('\n')
}

export interface RunOptions { runs: number, seed: number, onFault?: (report: string) => void }

/** Runs `runs` generated requests; resolves to fast-check's details (a failure names its counterexample). */
export async function runCampaign (campaign: Campaign, { runs, seed }: RunOptions) {
  let last = ''
  const property = fc.asyncProperty(campaign.arbitrary, async (spec) => {
    const { faults, sent, answer } = await campaign.send(spec)
    if (faults.length > 0) {
      last = describe(sent, answer, faults)
      throw new Error(last)
    }
  })
  const details = await fc.check(property, { numRuns: runs, seed, endOnFailure: true })
  return {
    details,
    report: details.failed
      ? last || String((details.errorInstance as Error | undefined)?.stack ?? details.errorInstance)
      : undefined,
  }
}
