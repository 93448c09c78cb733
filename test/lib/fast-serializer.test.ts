// The routes' serializer (src/lib/http/fast-serializer.ts): "this or null" compiled as a null check, not as an ajv
// validation of each option, with the same output as fast-json-stringify gives for the schema zod writes.
import t from 'tap'
import fastJson from 'fast-json-stringify'
import { z } from 'zod'
import { fastSerializerCompiler, nullableKeyword } from '../../src/lib/http/fast-serializer.ts'
import { ClaimListItemSchema } from '../../src/schemas/claims.ts'

const jsonOf = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'output', target: 'draft-7', unrepresentable: 'any' })

/** Every `anyOf` of the schema that offers null. */
function nullUnions (schema: unknown, path = '#'): string[] {
  if (typeof schema !== 'object' || schema === null) return []
  const own = Array.isArray((schema as { anyOf?: unknown }).anyOf) &&
    ((schema as { anyOf: unknown[] }).anyOf).some((o) => (o as { type?: unknown }).type === 'null')
  return [
    ...(own ? [path] : []),
    ...Object.entries(schema).flatMap(([key, value]) => nullUnions(value, `${path}/${key}`)),
  ]
}

const verdict = {
  reviewId: '0190a5a0-0000-7000-8000-000000000001',
  rating: {
    scaleId: '0190a5a0-0000-7000-8000-000000000009',
    scale: 'truth-o-meter',
    key: 'false',
    label: 'False',
    ratingValue: 2,
    bestRating: 6,
    worstRating: 1,
    verdict: 'false',
  },
  ratingExplanation: null,
  headline: 'No, it did not',
  url: 'https://example.org/check',
  author: { name: 'Desk', url: null },
  datePublished: '2026-12-01T10:00:00.000Z',
}
const items = [
  {
    id: '0190a5a0-0000-7000-8000-000000000002',
    text: 'Nothing set',
    claimantId: null,
    claimant: null,
    claimDate: null,
    language: 'en',
    topics: [],
    status: 'new',
    currentVerdict: null,
    retraction: null,
    version: 1,
    createdAt: '2026-12-01T10:00:00.000Z',
    updatedAt: '2026-12-01T10:00:00.000Z',
  },
  {
    id: '0190a5a0-0000-7000-8000-000000000003',
    text: 'Everything set, "quoted" and <marked>',
    claimantId: '0190a5a0-0000-7000-8000-000000000004',
    claimant: { id: '0190a5a0-0000-7000-8000-000000000004', slug: 'jane-doe', name: 'Jane Doe' },
    claimDate: '2026-11-30',
    language: 'en-GB',
    topics: ['economy', 'jobs'],
    status: 'reviewed',
    currentVerdict: verdict,
    retraction: null,
    version: 7,
    createdAt: '2026-12-01T10:00:00.000Z',
    updatedAt: '2026-12-02T10:00:00.000Z',
    search: { rank: 0.6, snippet: 'Everything <mark>set</mark>' },
  },
  {
    id: '0190a5a0-0000-7000-8000-000000000005',
    text: 'Retracted',
    claimantId: null,
    claimant: null,
    claimDate: '2026-11-29',
    language: 'fr',
    topics: ['health'],
    status: 'retracted',
    currentVerdict: null,
    retraction: { reviewId: verdict.reviewId, retractedAt: '2026-12-02T11:00:00.000Z', reason: 'Wrong source', withdrawnVerdict: { ...verdict, author: null, datePublished: null } },
    version: 3,
    createdAt: '2026-12-01T10:00:00.000Z',
    updatedAt: '2026-12-02T11:00:00.000Z',
  },
]

t.test('a claim in a list: no "or null" left to validate, and the same bytes as before', async (t) => {
  const zodJson = jsonOf(ClaimListItemSchema)
  t.ok(nullUnions(zodJson).length >= 5, 'zod writes nullable fields as anyOf with null')
  t.same(nullUnions(nullableKeyword(zodJson)), [], 'none is left for the serializer')

  const before = fastJson(zodJson as Parameters<typeof fastJson>[0])
  const after = fastSerializerCompiler({ schema: ClaimListItemSchema, method: 'GET', url: '/', httpStatus: '200' }) as (data: unknown) => string
  for (const item of items) {
    const expected = before(item)
    t.equal(after(item), expected, item.text)
    t.same(JSON.parse(expected), item, 'and that is the item')
  }
})

t.test('"or null" around a primitive, a reference and an object keeps its other keywords', async (t) => {
  const Inner = z.object({ a: z.string(), b: z.int().nullable() }).meta({ id: 'Inner' })
  const Schema = z.object({
    when: z.iso.datetime().nullable(),
    inner: Inner.nullable(),
    again: Inner.nullable().describe('the same again'),
    plain: z.object({ c: z.boolean() }).nullable(),
    either: z.union([z.string(), z.int()]).nullable(),
    kind: z.enum(['a', 'b']).nullable(),
  })
  // Inside a union, fast-json-stringify still picks the option with ajv: null must pass the option's `enum` too.
  const Union = z.discriminatedUnion('tag', [
    z.object({ tag: z.literal('x'), value: Schema }),
    z.object({ tag: z.literal('y'), other: z.string().nullable() }),
  ])
  const compiled = nullableKeyword(jsonOf(Schema)) as { properties: Record<string, Record<string, unknown>> }
  t.equal(compiled.properties.when?.nullable, true)
  t.equal(compiled.properties.when?.format, 'date-time')
  t.equal(compiled.properties.inner?.type, 'object')
  t.equal(compiled.properties.again?.description, 'the same again')
  t.equal(compiled.properties.plain?.nullable, true)
  t.ok(Array.isArray(compiled.properties.either?.anyOf), 'a union of several types or null is left as it is')
  t.same(compiled.properties.kind?.enum, ['a', 'b', null], 'null is one of the values of a nullable enum')
  const serialize = fastSerializerCompiler({ schema: Schema, method: 'GET', url: '/', httpStatus: '200' }) as (data: unknown) => string
  const inUnion = fastSerializerCompiler({ schema: Union, method: 'GET', url: '/', httpStatus: '200' }) as (data: unknown) => string
  for (const value of [
    { when: null, inner: null, again: null, plain: null, either: null, kind: null },
    { when: '2026-12-01T10:00:00.000Z', inner: { a: 'x', b: null }, again: { a: 'y', b: 2 }, plain: { c: true }, either: 'z', kind: 'a' },
    { when: '2026-12-01T10:00:00.000Z', inner: { a: 'x', b: 1 }, again: null, plain: { c: false }, either: 3, kind: 'b' },
  ]) {
    t.same(JSON.parse(serialize(value)), value)
    t.same(JSON.parse(inUnion({ tag: 'x', value })), { tag: 'x', value }, 'in a union too')
  }
  t.same(JSON.parse(inUnion({ tag: 'y', other: null })), { tag: 'y', other: null })
})
