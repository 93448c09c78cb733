// fast-check generators driven by the OpenAPI document: for any operation, requests whose path parameters, query,
// headers, caller and body are valid by its schemas or broken in one of many hostile ways. Values that only exist at
// run time (ids of objects, current ETags, cursors) are symbolic here and resolved when the request is sent.
import fc from 'fast-check'

export type Schema = { [key: string]: unknown }

interface ParameterObject { in: 'path' | 'query' | 'header' | 'cookie', name: string, required?: boolean, schema?: Schema }
interface ResponseObject { content?: Record<string, { schema?: Schema }> }
interface OperationObject {
  operationId: string
  parameters?: ParameterObject[]
  requestBody?: { required?: boolean, content: Record<string, { schema: Schema }> }
  responses: Record<string, ResponseObject>
  'x-required-role'?: string
  security?: unknown[]
}
export interface OpenApiDocument {
  paths: Record<string, Record<string, OperationObject>>
  components: { schemas: Record<string, Schema> }
}

export interface Parameter { name: string, required: boolean, schema: Schema }
export interface Operation {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE'
  /** As the document writes it: `/v1/claims/{claimId}/reviews/{id}`. */
  path: string
  operationId: string
  role: string
  /** Whether it reads credentials at all (probes do not: their security is empty). */
  authenticated: boolean
  path_: Parameter[]
  query: Parameter[]
  /** Header names lower-cased, as the server sees them. */
  headers: Parameter[]
  body?: { schema: Schema; required: boolean; contentType: string }
  /** By status code: the documented content type and schema, when the response has a body. */
  responses: Record<string, { contentType?: string; schema?: Schema }>
  /**
   * What the path parameters name: the collection segment before the last one (`reviews`, `claims`, `organizations`).
   */
  kind?: string
}

const METHODS = ['get', 'post', 'patch', 'put', 'delete'] as const

/** Every operation of the document, in document order. */
export function operationsOf (doc: OpenApiDocument): Operation[] {
  const ops: Operation[] = []
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method]
      if (!op) continue
      const params = (where: ParameterObject['in']) => (op.parameters ?? [])
        .filter((p) => p.in === where)
        .map((p) => ({ name: where === 'header' ? p.name.toLowerCase() : p.name, required: p.required === true, schema: p.schema ?? {} }))
      const bodyEntry = op.requestBody && Object.entries(op.requestBody.content)[0]
      const responses: Operation['responses'] = {}
      for (const [status, response] of Object.entries(op.responses)) {
        const content = response.content && Object.entries(response.content)[0]
        responses[status] = content
          ? { contentType: content[0], ...(content[1].schema && { schema: content[1].schema }) }
          : {}
      }
      const segments = path.split('/')
      const lastParam = segments.findLastIndex((s) => s.startsWith('{'))
      ops.push({
        method: method.toUpperCase() as Operation['method'],
        path,
        operationId: op.operationId,
        role: op['x-required-role'] ?? 'public',
        authenticated: op.security?.length !== 0,
        path_: params('path'),
        query: params('query'),
        headers: params('header'),
        ...(bodyEntry && {
          body: { schema: bodyEntry[1].schema, required: op.requestBody?.required === true, contentType: bodyEntry[0] },
        }),
        responses,
        ...(lastParam > 0 && { kind: segments[lastParam - 1] }),
      })
    }
  }
  return ops
}

// ---------------------------------------------------------------------------------------------------------------
// Symbolic values, resolved against the live state of the app when the request is sent.

/** The `index`-th (modulo its size) entry of a pool the campaign keeps: ids of objects, cursors, ETags, URLs. */
export class Pick {
  readonly pool: string
  readonly index: number
  constructor (pool: string, index: number) {
    this.pool = pool
    this.index = index
  }

  toString () { return `Pick(${this.pool}, ${this.index})` }
}
/** The ETag the resource of the request's path has now (so that a write can succeed). */
export class CurrentEtag {
  toString () { return 'CurrentEtag' }
}
/** Text put into the URL as it is, not percent-encoded (`%zz`, `..%2f`, `&`). */
export class RawUrl {
  readonly text: string
  constructor (text: string) {
    this.text = text
  }

  toString () { return `RawUrl(${JSON.stringify(this.text)})` }
}

/** The value once in `n` times, else undefined. */
const rarely = <T>(arb: fc.Arbitrary<T>, n: number) =>
  fc.oneof({ weight: 1, arbitrary: arb }, { weight: n - 1, arbitrary: fc.constant(undefined) })

const pick = (pool: string) => fc.nat(10_000).map((i) => new Pick(pool, i))

// ---------------------------------------------------------------------------------------------------------------
// Hostile building blocks.

/** Strings that break naive code: unicode edge cases, NUL and control characters, SQL, paths, syntax of parsers. */
export const nastyStrings: readonly string[] = [
  '', ' ', '\t\n', '\u0000', 'a\u0000b', '\u0001\u001f\u007f', '\uD800', '\uDC00x', 'x\uDBFF', '\uFFFF', '\uFEFF{}',
  '\u202Egnp.exe', 'مرحبا بالعالم', 'שלום', '\u200B\u200C\u200D', 'e\u0301\u0301\u0301\u0301', 'Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǫ̗',
  '👩‍👩‍👧‍👦', '🏳️‍🌈', '🇺🇦', '\u{10FFFF}', 'ǅ', 'ß', 'İ', 'ﬀ', '\u0085', '\u2028\u2029',
  "' OR 1=1 --", "'; DROP TABLE claims; --", '" OR ""="', '\\', '\\\\x00', "E'\\x00'", '$1', '%', '_', '%_%', '::text',
  '../../../etc/passwd', '..\\..\\windows', '/', '//', '?', '#', '&', '=', '+', ';', '%00', '%2e%2e%2f', '%ZZ',
  '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '{}', '[]', 'null', 'undefined', 'NaN',
  'true', '-1', '0', '-0', '1e309', '9'.repeat(40), '0x10', '1.5', ' 1', '١٢٣',
  '!', '&&&', '|', ':*', '(', ')', '"unterminated', '-', 'or', '<->', '<script>alert(1)</script>', '$' + '{7*7}', '{{7*7}}',
  '0000-00-00', '2024-02-30', '+275760-09-13T00:00:00Z', '9999-12-31T23:59:60Z', '1970-01-01T00:00:00+25:00',
  'ct_', `ct_${'A'.repeat(43)}_000000`, 'Bearer', 'http://', 'https://localhost', 'javascript:alert(1)',
  'https://例え.テスト/パス', 'https://xn--r8jz45g.xn--zckzah/', 'http://[::1]/', 'http://127.0.0.1:99999/', 'file:///etc/passwd',
  'https://a.example.org/' + 'a'.repeat(2100),
]

/** A string of `n` repeats of a short piece: huge without costing the generator anything. */
const repeated = fc.tuple(fc.constantFrom('a', 'é', '😀', '\u0000', ' ', 'x'.repeat(7) + '\u0301'), fc.constantFrom(1_000, 10_000, 100_000, 300_000))
  .map(([piece, n]) => piece.repeat(Math.ceil(n / piece.length)))

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...nastyStrings) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.constantFrom(...nastyStrings), fc.string({ maxLength: 10 })).map(([a, b]) => a + b),
  },
  { weight: 1, arbitrary: repeated }
)

/** Values of any JSON type, including ones nothing expects: deep nesting, huge numbers, prototype keys. */
export const hostileJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: hostileString },
  {
    weight: 2,
    arbitrary: fc.constantFrom(null, true, false, 0, -1, 1.5, -0, 1e308, -1e308, 2 ** 53 + 1, 1e-320, 4294967296),
  },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom([], {}, [null], [[[[[]]]]], { '': '' }) },
  { weight: 1, arbitrary: fc.constantFrom(1_000, 50_000).map((n) => Array.from({ length: n }, (_, i) => i)) },
  { weight: 1, arbitrary: fc.constantFrom(10, 200).map((depth) => nest(depth)) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('__proto__', 'constructor', 'prototype').map((k) => withKey({}, k, { polluted: true })),
  }
)

function nest (depth: number): unknown {
  let value: unknown = 'bottom'
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { a: value }
  return value
}

/** Sets a key as an own, enumerable property, even `__proto__` (an assignment would set the prototype instead). */
export function withKey<T extends object> (target: T, key: string, value: unknown): T {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
  return target
}

// ---------------------------------------------------------------------------------------------------------------
// Values from schemas.

function deref (schema: Schema, doc: OpenApiDocument): Schema {
  const ref = schema.$ref
  if (typeof ref !== 'string') return schema
  const name = ref.replace('#/components/schemas/', '')
  const target = doc.components.schemas[name]
  if (!target) throw new Error(`unresolved ${ref}`)
  return deref(target, doc)
}

const num = (value: unknown) => typeof value === 'number' ? value : undefined
const languages = ['en', 'de', 'pt-BR', 'fr', 'EN-gb', 'uk', 'zh-Hant-TW', 'es-419']
const ratings = ['false', 'true', 'mostly-true', 'half-true', 'pants-fire', 'right', 'wrong', 'barely-true']
const words = ['tariffs', 'bananas', 'unemployment', 'zero', 'month', 'moon', 'cheese', 'ukraine', 'talks', 'the']

/** A URL that the server accepts as a page (`https://host/path`), or one of the pages the world's claims appear on. */
export const pageUrl: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: pick('urls') },
  { weight: 2, arbitrary: fc.webUrl({ validSchemes: ['https', 'http'], withQueryParameters: true, size: 'small' }) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('https://shown.example.org/', 'https://hidden.example.org/', 'HTTPS://WWW.Shown.Example.org:443/'), fc.constantFrom('said', 'said?utm_source=x', 'said#top', 'said/', 'source')).map(([a, b]) => a + b) }
)

/** Special values some fields need to be useful, by property or parameter name. */
function hinted (name: string | undefined, schema: Schema): fc.Arbitrary<unknown> | undefined {
  if (name === undefined) return undefined
  if (/^(language|inLanguage|languageCode)$/.test(name)) return fc.constantFrom(...languages)
  if (name === 'ratingScale') return fc.oneof(fc.constantFrom('truth-o-meter', 'newsroom-scale'), pick('rating-scales'))
  if (name === 'rating') return fc.constantFrom(...ratings)
  if (name === 'url' || name === 'urls' || name === 'archivedUrl') return pageUrl
  if (name === 'claimant') return fc.oneof(pick('claimants'), fc.constantFrom('pat-politician', 'nobody'))
  if (/^(cursor|after|pageToken)$/.test(name)) return fc.oneof({ weight: 6, arbitrary: pick('cursors') }, { weight: 1, arbitrary: fc.string({ maxLength: 30 }) })
  if (/^(q|query|text)$/.test(name) && schema.type === 'string') {
    return fc.array(fc.constantFrom(...words, '"tariffs on"', '-moon', 'or'), { minLength: 1, maxLength: 4 }).map((w) => w.join(' '))
  }
  if (name === 'claimantId') return fc.oneof(pick('claimants'), fc.uuid(), fc.constant(null))
  return undefined
}

function stringOf (schema: Schema): fc.Arbitrary<string> {
  const minLength = num(schema.minLength) ?? 0
  const maxLength = Math.min(num(schema.maxLength) ?? 60, 60)
  const fits = (s: string) => [...s].length >= minLength && [...s].length <= (num(schema.maxLength) ?? Infinity)
  if (schema.format === 'uuid') return fc.uuid({ version: [4, 7] })
  if (schema.format === 'uri') return pageUrl.filter((u): u is string => true) as fc.Arbitrary<string>
  const matching = typeof schema.pattern === 'string' ? fc.stringMatching(new RegExp(schema.pattern)).filter(fits) : undefined
  // Dates mostly in the past (some operations refuse future ones), sometimes anything the pattern allows.
  const past = fc.date({ min: new Date('1900-01-01'), max: new Date('2025-01-01'), noInvalidDate: true })
  const dates = schema.format === 'date-time'
    ? fc.oneof(past.map((d) => d.toISOString()), past.map((d) => d.toISOString().replace('Z', '+05:30')))
    : schema.format === 'date' ? past.map((d) => d.toISOString().slice(0, 10)) : undefined
  if (dates) return matching ? fc.oneof({ weight: 4, arbitrary: dates }, { weight: 1, arbitrary: matching }) : dates
  if (matching) return matching
  return fc
    .oneof(
      {
        weight: 4,
        arbitrary: fc.string({ minLength: Math.max(minLength, 1), maxLength: Math.max(maxLength, minLength, 1) }),
      },
      {
        weight: 2,
        arbitrary: fc.string({
          unit: 'grapheme',
          minLength: Math.max(minLength, 1),
          maxLength: Math.max(Math.min(maxLength, 20), minLength, 1),
        }),
      },
      { weight: 1, arbitrary: fc.constantFrom(...nastyStrings).filter(fits) }
    )
    .filter(fits)
}

/** Values valid by `schema` (as far as a JSON Schema can tell), with names hinting at useful special values. */
export function valueOf (schema: Schema, doc: OpenApiDocument, name?: string, depth = 0): fc.Arbitrary<unknown> {
  const s = deref(schema, doc)
  const special = hinted(name, s)
  if (special) return s.type === 'array' ? fc.array(special, { minLength: num(s.minItems) ?? 0, maxLength: Math.min(num(s.maxItems) ?? 3, 3) }) : special
  const branches = (s.anyOf ?? s.oneOf) as Schema[] | undefined
  if (branches) return fc.oneof(...branches.map((b) => valueOf(b, doc, name, depth)))
  if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as unknown[]))
  if ('const' in s) return fc.constant(s.const)
  switch (s.type) {
    case 'object': {
      const properties = (s.properties ?? {}) as Record<string, Schema>
      const required = new Set((s.required ?? []) as string[])
      const entries = Object.entries(properties).map(([key, prop]) => {
        const value = valueOf(prop, doc, key, depth + 1)
        return [
          key,
          required.has(key)
            ? value.map((v) => ({ v }))
            : fc.option(
              value.map((v) => ({ v })),
              { freq: 2, nil: undefined }
            ),
        ] as const
      })
      return fc.tuple(...entries.map(([, arb]) => arb)).map((values) => {
        const out: Record<string, unknown> = {}
        values.forEach((value, i) => { if (value) withKey(out, entries[i]?.[0] ?? '', value.v) })
        return out
      })
    }
    case 'array': {
      const items = (s.items ?? {}) as Schema
      const minLength = num(s.minItems) ?? 0
      return fc.array(valueOf(items, doc, undefined, depth + 1), {
        minLength,
        maxLength: Math.max(minLength, Math.min(num(s.maxItems) ?? 3, depth > 1 ? 1 : 3)),
      })
    }
    case 'string': return stringOf(s)
    case 'integer': return fc.integer({ min: Math.max(num(s.minimum) ?? -1000, Number.MIN_SAFE_INTEGER), max: Math.min(num(s.maximum) ?? 1000, Number.MAX_SAFE_INTEGER) })
    case 'number': return fc.double({ min: num(s.minimum) ?? -1000, max: num(s.maximum) ?? 1000, noNaN: true, noDefaultInfinity: true })
    case 'boolean': return fc.boolean()
    case 'null': return fc.constant(null)
    default: return fc.jsonValue({ maxDepth: 1 })
  }
}

/** A copy of a valid object broken in one way: a wrong value, a missing required field, or an extra field. */
function brokenObject (schema: Schema, doc: OpenApiDocument): fc.Arbitrary<unknown> {
  const s = deref(schema, doc)
  const keys = Object.keys((s.properties ?? {}) as Record<string, unknown>)
  const required = (s.required ?? []) as string[]
  const extraKey = fc.oneof(
    fc.constantFrom('__proto__', 'constructor', 'prototype', 'organizationId', 'id', 'status', 'verdict', 'createdAt', 'deletedAt', '', ' text', 'TEXT'),
    hostileString.filter((k) => k.length < 100)
  )
  const mutations: Array<fc.Arbitrary<(o: Record<string, unknown>) => Record<string, unknown>>> = [
    extraKey.chain((k) => hostileJson.map((v) => (o: Record<string, unknown>) => withKey(o, k, v))),
    fc.constantFrom('__proto__', 'constructor').map((k) => (o: Record<string, unknown>) => withKey(o, k, k === 'constructor' ? { prototype: { isAdmin: true } } : { isAdmin: true })),
  ]
  if (keys.length > 0) {
    mutations.push(
      fc.constantFrom(...keys).chain((k) => hostileJson.map((v) => (o: Record<string, unknown>) => withKey(o, k, v)))
    )
  }
  if (required.length > 0) {
    mutations.push(
      fc.constantFrom(...required).map((k) => (o: Record<string, unknown>) => {
        delete o[k]
        return o
      })
    )
  }
  return fc.tuple(valueOf(s, doc), fc.oneof(...mutations)).map(([value, mutate]) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return value
    return mutate({ ...value as Record<string, unknown> })
  })
}

// ---------------------------------------------------------------------------------------------------------------
// Requests.

/** Who sends the request: nobody, a key of a role of the test or the other organisation, or a broken header. */
export type CallerSpec =
  | { kind: 'anonymous' }
  | { kind: 'key', organization: 'own' | 'rival', role: string }
  | { kind: 'raw', authorization: string }

export const ROLES = ['reader', 'editor', 'reviewer', 'admin', 'partner'] as const

const callerArb: fc.Arbitrary<CallerSpec> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ kind: 'anonymous' as const }) },
  { weight: 12, arbitrary: fc.constantFrom(...ROLES).map((role) => ({ kind: 'key' as const, organization: 'own' as const, role })) },
  { weight: 2, arbitrary: fc.constantFrom(...ROLES).map((role) => ({ kind: 'key' as const, organization: 'rival' as const, role })) },
  {
    weight: 1,
    arbitrary: fc.oneof(
      fc.constantFrom('Bearer', 'Bearer ', 'Basic YWRtaW46YWRtaW4=', 'Bearer ct_', `Bearer ct_${'A'.repeat(43)}_AAAAAA`, 'Bearer null', 'Token abc', 'Bearer  ct_x', 'bearer'),
      hostileString.map((s) => `Bearer ${s}`)
    ).map((authorization) => ({ kind: 'raw' as const, authorization })),
  }
)

/** The Content-Type sent with a body; `null` sends none. */
const contentTypeArb = fc.oneof(
  { weight: 20, arbitrary: fc.constant('application/json') },
  { weight: 2, arbitrary: fc.constantFrom('application/json; charset=utf-8', 'APPLICATION/JSON', 'application/merge-patch+json', 'application/vnd.api+json', 'application/json; charset=utf-16', 'application/json;;') },
  { weight: 2, arbitrary: fc.constantFrom(null, '', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/jsonx', 'json', '*/*', 'application/json-patch', 'text/json ; x=1', 'application/ json') }
)

/** A raw body text that is not a JSON value the schema could accept, or not JSON at all. */
const malformedBody = fc.oneof(
  fc.constantFrom('{', '{"text": ', '[1, 2', '{"a" 1}', "{'text': 'x'}", '{"text": "x",}', 'nul', 'NaN', '\uFEFF{"text": "x"}', '{"text": "x"}garbage',
    '{"__proto__": {"isAdmin": true}}', '{"constructor": {"prototype": {"isAdmin": true}}}', '{"text": "a", "text": "b"}', '{"text": "\\ud800"}',
    '{"text": "\\u0000"}', '\u0000', '   ', '""', '[]', 'null', 'true', '12', '{"a":1e999999}', '[' + '['.repeat(20_000), '['.repeat(5_000) + ']'.repeat(5_000),
    `{"text": ${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`, `{"topics": ${'['.repeat(50_000)}${']'.repeat(50_000)}}`),
  fc.string({ unit: 'binary-ascii', maxLength: 40 })
)

export type BodySpec =
  | { kind: 'none' }
  | { kind: 'json', value: unknown }
  | { kind: 'raw', text: string }
  /** A body of this many bytes: past the body limit. */
  | { kind: 'huge', bytes: number }

export interface RequestSpec {
  operation: number
  caller: CallerSpec
  /** By parameter name; a Pick of the operation's kind fills every path parameter from one known object. */
  path: Pick | Record<string, unknown>
  query: Array<[string, unknown]>
  headers: Record<string, unknown>
  contentType: string | null
  body: BodySpec
}

function pathParamArb (op: Operation, param: Parameter, doc: OpenApiDocument): fc.Arbitrary<unknown> {
  const segments = op.path.split('/')
  const kind = segments[segments.indexOf(`{${param.name}}`) - 1] ?? 'unknown'
  return fc.oneof(
    { weight: 4, arbitrary: pick(kind) },
    { weight: 2, arbitrary: valueOf(param.schema, doc) },
    { weight: 1, arbitrary: pick('any-id') },
    { weight: 2, arbitrary: hostileString.filter((s) => s.length > 0 && s.length < 5_000) },
    { weight: 1, arbitrary: fc.constantFrom('..', '.', '%2e%2e', '%2F', '..%2f..%2f', '%00', '%zz', '%', '%ED%A0%80', '%C0%AF', ';', 'a?b', 'a#b').map((t) => new RawUrl(t)) }
  )
}

function queryArb (op: Operation, doc: OpenApiDocument): fc.Arbitrary<Array<[string, unknown]>> {
  const each = op.query.map((param) => {
    const value = fc.oneof({ weight: 8, arbitrary: valueOf(param.schema, doc, param.name) }, { weight: 1, arbitrary: hostileString }, { weight: 1, arbitrary: hostileJson.map((v) => typeof v === 'string' ? v : JSON.stringify(v) ?? '') })
    const freq = param.required ? 20 : 2
    return fc
      .option(
        fc.oneof(
          { weight: 9, arbitrary: value.map((v) => [[param.name, v]] as Array<[string, unknown]>) },
          {
            weight: 1,
            arbitrary: fc.tuple(value, value).map(
              ([a, b]) =>
                [
                  [param.name, a],
                  [param.name, b],
                ] as Array<[string, unknown]>
            ),
          }
        ),
        { freq, nil: [] as Array<[string, unknown]> }
      )
      .map((pairs) => pairs)
  })
  const extra = rarely(fc.oneof(
    fc.tuple(fc.constantFrom('__proto__', 'constructor', 'unknown', 'limit[]', 'a[b]', ''), hostileString.filter((s) => s.length < 200)).map(([k, v]) => [k, v] as [string, unknown]),
    fc.constantFrom('&&', '=', '==x', '%', '%zz=1', '__proto__[isAdmin]=1', 'constructor[prototype][isAdmin]=1', 'limit', 'q=%ED%A0%80', '&limit=5&limit=6').map((t) => ['', new RawUrl(t)] as [string, unknown])
  // Unknown names are refused by validation (400) since every route's query is strict, so they reach no deeper code;
  // a few probe the parser and the validator, without taking a twelfth of every operation's runs.
  ), 40)
  return fc.tuple(fc.tuple(...each), extra).map(([pairs, x]) => [...pairs.flat(), ...(x ? [x] : [])])
}

function headersArb (op: Operation, doc: OpenApiDocument): fc.Arbitrary<Record<string, unknown>> {
  const writes = op.method !== 'GET'
  const entries: Array<fc.Arbitrary<[string, unknown] | undefined>> = op.headers.map((param) => {
    let value: fc.Arbitrary<unknown>
    if (param.name === 'if-match' || param.name === 'if-none-match') {
      value = fc.oneof(
        { weight: param.name === 'if-match' ? 12 : 3, arbitrary: fc.constant(new CurrentEtag()) },
        { weight: 2, arbitrary: pick('etags') },
        // A client's If-Match: * is always a 428 (it names no version); on writes the current ETag stands in for it.
        { weight: 1, arbitrary: fc.constantFrom(param.name === 'if-match' ? new CurrentEtag() : '*', '"stale"', 'W/"x"', '"a", "b"', '') },
        { weight: 1, arbitrary: hostileString }
      )
    } else if (param.name === 'idempotency-key') {
      value = fc.oneof(
        { weight: 4, arbitrary: valueOf(param.schema, doc) },
        { weight: 2, arbitrary: fc.constantFrom('fuzz-key-1', 'fuzz-key-2') },
        { weight: 1, arbitrary: hostileString }
      )
    } else {
      value = fc.oneof(
        { weight: 4, arbitrary: valueOf(param.schema, doc, param.name) },
        { weight: 1, arbitrary: hostileString }
      )
    }
    // fc.option's freq: absent once in `freq` times.
    const freq = param.required ? 20 : 2
    return fc.option(value.map((v) => [param.name, v] as [string, unknown]), { freq: writes && param.name === 'if-match' ? 8 : freq, nil: undefined })
      .map((entry) => param.name === 'if-match' && entry === undefined ? undefined : entry)
  })
  const extra = rarely(fc.oneof(
    fc.tuple(fc.constantFrom('x-request-id', 'accept', 'accept-language', 'origin', 'x-forwarded-for', 'cookie', 'if-none-match', 'if-match', 'range', 'x-http-method-override', 'content-encoding', 'transfer-encoding'), hostileString.filter((s) => s.length < 2_000)),
    fc.tuple(fc.constant('accept'), fc.constantFrom('application/xml', 'text/html', 'application/problem+json', '*/*;q=0', 'application/ld+json')),
    fc.tuple(fc.constant('content-encoding'), fc.constantFrom('gzip', 'br', 'deflate', 'identity', 'x-unknown'))
  ), 12)
  return fc.tuple(fc.tuple(...entries), extra).map(([pairs, x]) => {
    const headers: Record<string, unknown> = {}
    for (const pair of [...pairs, x]) if (pair) withKey(headers, pair[0], pair[1])
    return headers
  })
}

function bodyArb (op: Operation, doc: OpenApiDocument): fc.Arbitrary<BodySpec> {
  if (!op.body) {
    // A body where none is documented: rare, and then anything.
    return fc.oneof(
      { weight: 12, arbitrary: fc.constant({ kind: 'none' as const }) },
      { weight: 1, arbitrary: hostileJson.map((value) => ({ kind: 'json' as const, value })) },
      { weight: 1, arbitrary: malformedBody.map((text) => ({ kind: 'raw' as const, text })) }
    )
  }
  const { schema } = op.body
  return fc.oneof(
    { weight: 14, arbitrary: valueOf(schema, doc).map((value) => ({ kind: 'json' as const, value })) },
    { weight: 5, arbitrary: brokenObject(schema, doc).map((value) => ({ kind: 'json' as const, value })) },
    { weight: 1, arbitrary: hostileJson.map((value) => ({ kind: 'json' as const, value })) },
    { weight: 2, arbitrary: malformedBody.map((text) => ({ kind: 'raw' as const, text })) },
    { weight: 1, arbitrary: fc.constant({ kind: 'none' as const }) },
    { weight: 1, arbitrary: fc.constantFrom(1_048_577, 3_000_000).map((bytes) => ({ kind: 'huge' as const, bytes })) }
  )
}

/** Requests for one operation. */
export function requestFor (ops: Operation[], index: number, doc: OpenApiDocument): fc.Arbitrary<RequestSpec> {
  const op = ops[index]
  if (!op) throw new Error(`no operation ${index}`)
  const perParam = fc.tuple(...op.path_.map((p) => pathParamArb(op, p, doc))).map((values) => {
    const out: Record<string, unknown> = {}
    op.path_.forEach((p, i) => { out[p.name] = values[i] })
    return out
  })
  const path: fc.Arbitrary<Pick | Record<string, unknown>> = op.kind
    ? fc.oneof({ weight: 3, arbitrary: pick(op.kind) }, { weight: 2, arbitrary: perParam })
    : fc.constant({})
  return fc.record({
    operation: fc.constant(index),
    caller: callerArb,
    path,
    query: queryArb(op, doc),
    headers: headersArb(op, doc),
    contentType: op.body ? contentTypeArb : fc.option(contentTypeArb, { freq: 8, nil: null }),
    body: bodyArb(op, doc),
  })
}

/** Requests for any operation of the document, each operation equally likely. */
export function requestArbitrary (doc: OpenApiDocument, ops = operationsOf(doc)): fc.Arbitrary<RequestSpec> {
  return fc.oneof(...ops.map((_, i) => requestFor(ops, i, doc)))
}
