// POST /v1/claims/match: the right claim first for inputs much longer or shorter than the claim, scores in [0, 1].
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { sql } from 'drizzle-orm'
import { createDatabase, queryRows } from '../../../src/db/client.ts'
import { parseConfig } from '../../../src/config.ts'
import { createMatchingRepository } from '../../../src/repositories/matching.ts'
import { anonymous, bearer, build, change, createClaim, createPublicClaim, isProblem, keyFor } from '../../helper.ts'
import { detectLanguage } from '../../../src/lib/text/language.ts'
import { cleanInput, isSocialPost, numberSpellings } from '../../../src/services/matching.ts'

interface MatchItem {
  score: number
  explanation: { matchedTerms: string[]; words: number; similarity: number; bm25: number }
  claim: { id: string }
}
async function match (
  app: FastifyInstance,
  payload: Record<string, unknown>,
  headers: Record<string, string | undefined> = {}
): Promise<MatchItem[]> {
  const res = await app.inject({ method: 'POST', url: '/v1/claims/match', payload, headers })
  if (res.statusCode !== 200) throw new Error(`match: ${res.statusCode} ${res.body}`)
  return res.json().data
}

const fixture = [
  'He could end the war in Ukraine within 24 hours of taking office.',
  'Ukraine plans to buy $90bn of American weapons, paid for through Europe, in exchange for security guarantees.',
  'Security guarantees for Ukraine should involve all permanent members of the UN Security Council, Russia and China included.',
  'A meeting between Vladimir Putin and Volodymyr Zelenskyy could happen within two weeks.',
  'The unemployment rate fell to its lowest level in 50 years last month.',
  'Vaccines cause autism in children, according to a new government study.',
  'The moon landing was filmed in a studio in Nevada.',
  'Crime in Chicago has dropped by more than 10% over the last two years.',
]

const pairs: Array<[input: string, expected: number]> = [
  ['"I will settle that war in 24 hours," Trump told the rally crowd, promising peace in Ukraine before taking office.', 0],
  ['Zelenskyy: we are ready to purchase American weapons worth $90 billion, with Europe paying, for security guarantees https://t.co/abc123 #Ukraine', 1],
  ['Lavrov insists China and Russia must be among the guarantors of Ukraine\'s security, with the other permanent members of the Security Council.', 2],
  ['Rutte says Putin and Zelenskyy may meet in two weeks', 3],
  ['@someone the jobless rate is the lowest in half a century!! 50 years!!', 4],
  ['vaccines autism study', 5],
]

t.test('the right claim comes first for inputs longer and shorter than the claim', async (t) => {
  const app = await build(t)
  const ids: string[] = []
  for (const text of fixture) ids.push((await createClaim(app, { text })).id)
  for (const [input, expected] of pairs) {
    const res = await app.inject({ method: 'POST', url: '/v1/claims/match', payload: { text: input, limit: 3 } })
    t.equal(res.statusCode, 200, res.body)
    const data = res.json().data as Array<{
      score: number
      claim: { id: string; status: string; currentVerdict: unknown }
    }>
    t.equal(data[0]?.claim.id, ids[expected], `"${input.slice(0, 50)}" matches "${fixture[expected]?.slice(0, 40)}"`)
    t.ok(data.length <= 3, 'limit is honoured')
    for (const d of data) t.ok(d.score >= 0 && d.score <= 1, 'score in [0, 1]')
    t.same(data.map((d) => d.score), [...data.map((d) => d.score)].sort((a, b) => b - a), 'best first')
    t.match(data[0], { claim: { status: 'new', currentVerdict: null } }, 'each match carries status and verdict')
  }
})

t.test('minScore, deleted claims, nothing in common', async (t) => {
  const app = await build(t)
  const claim = await createClaim(app, { text: fixture[6] })
  const all = (await app.inject({ method: 'POST', url: '/v1/claims/match', payload: { text: 'moon landing filmed in a studio' } })).json().data
  t.equal(all[0].claim.id, claim.id)
  const strict = (await app.inject({ method: 'POST', url: '/v1/claims/match', payload: { text: 'moon landing filmed in a studio', minScore: 0.999 } })).json().data
  t.same(strict, [], 'nothing reaches a score of 0.999')
  const none = (await app.inject({ method: 'POST', url: '/v1/claims/match', payload: { text: 'zebra xylophone quintessence' } })).json().data
  t.same(none, [], 'no shared words, no match')
  const etag = (await app.inject({ method: 'GET', url: `/v1/claims/${claim.id}` })).headers.etag as string
  t.equal((await app.inject({ method: 'DELETE', url: `/v1/claims/${claim.id}`, headers: { 'if-match': etag } })).statusCode, 204)
  const after = (await app.inject({ method: 'POST', url: '/v1/claims/match', payload: { text: 'moon landing filmed in a studio' } })).json().data
  t.same(after, [], 'deleted claims are never matched')
})

t.test('a claim with a word the term statistics have not seen yet is matched by that word', async (t) => {
  const app = await build(t)
  for (const text of fixture.slice(4)) await createClaim(app, { text })
  // The first match computes the statistics; the claim recorded after it holds words they do not count yet.
  t.equal((await app.inject({ method: 'POST', url: '/v1/claims/match', payload: { text: 'moon landing' } })).statusCode, 200)
  const fresh = await createClaim(app, { text: 'Steve Witkoff met Kirill Dmitriev in Miami to draft a peace plan.' })
  const data = (await app.inject({ method: 'POST', url: '/v1/claims/match', payload: { text: 'Witkoff and Dmitriev drafted the plan in Miami' } })).json().data
  t.equal(data[0]?.claim.id, fresh.id)
})

t.test('a word run together from two words claims hold matches the claim holding both', async (t) => {
  const app = await build(t)
  const target = await createClaim(app, { text: 'A single-payer health system would cost $32 trillion over ten years.' })
  for (const text of ['Every single senator voted for the bill.', 'Single mothers receive less support.', 'Not a single job was created.',
    'She remained single all her life.', 'Private insurers are the payer of last resort.', 'The payer is the insurer.',
    'Each payer pays the same rate.', 'Medicare is the largest payer.']) await createClaim(app, { text })
  const data = (await app.inject({ method: 'POST', url: '/v1/claims/match', payload: { text: 'We need #singlepayer now' } })).json().data
  t.equal(data[0]?.claim.id, target.id, '"#singlepayer" matches "single-payer"')
  t.same(data[0]?.explanation.matchedTerms, [], 'the halves are not words of the input')
})

t.test('bad requests are refused', async (t) => {
  const app = await build(t)
  for (const payload of [{}, { text: '' }, { text: 'x', limit: 0 }, { text: 'x', limit: 51 }, { text: 'x', minScore: 2 }, { text: 'x', extra: 1 }, { text: 'x'.repeat(5001) }]) {
    isProblem(t, await app.inject({ method: 'POST', url: '/v1/claims/match', payload }), 400)
  }
})

t.test('posts are told by their links, hashtags and handles, and cleaned of links; hashtags and handles become words', async (t) => {
  t.ok(isSocialPost('Vaccines cause autism https://t.co/x'))
  t.ok(isSocialPost('RT @BarackObama: vaccines'))
  t.ok(isSocialPost('#vaccines cause autism'))
  t.notOk(isSocialPost('I said 10% of people, and that email@example is wrong; #1 in the polls'))
  t.equal(cleanInput('RT @BarackObama: Vaccines cause #AutismInKids https://t.co/x pic.twitter.com/y &amp; more'), 'RT Barack Obama: Vaccines cause Autism In Kids more')
})

t.test('numbers written in words are looked up in digits too', async (t) => {
  t.equal(numberSpellings('Homicides rose in fifty cities: forty-three, twenty five, fortythree; one of them, tenacious'), '50 43 25 43')
})

t.test('a claim counts in the term statistics as soon as its write commits: BM25 weights are exact after every write', async (t) => {
  const app = await build(t)
  const bm25Of = async (id: string) =>
    (await match(app, { text: 'zebra' })).find((m) => m.claim.id === id)?.explanation.bm25
  // BM25 (k1 1.2, b 0.75) of a one-word claim "zebra" for the input "zebra": idf * 2.2 / (1 + 1.2 * (0.25 + 0.75 * 1 /
  // avgdl)), idf = ln(1 + (n - df + 0.5) / (df + 0.5)), with n claims, df of them holding "zebra", avgdl their mean
  // length.
  const zebra = await createClaim(app, { text: 'Zebras.' })
  t.equal(await bm25Of(zebra.id), 0.2877, 'one claim: n 1, df 1, avgdl 1')
  const giraffes = await createClaim(app, { text: 'Giraffes.' })
  t.equal(await bm25Of(zebra.id), 0.6931, 'a second claim, at once: n 2, df 1, avgdl 1')
  const both = await createClaim(app, { text: 'Zebras and giraffes.' })
  t.equal(await bm25Of(zebra.id), 0.5235, 'n 3, df 2, avgdl 4/3')
  t.equal((await change(app, 'DELETE', `/v1/claims/${giraffes.id}`)).statusCode, 204)
  t.equal(await bm25Of(zebra.id), 0.2111, 'a deleted claim no longer counts: n 2, df 2, avgdl 3/2')
  t.equal((await change(app, 'PATCH', `/v1/claims/${both.id}`, { text: 'Lions and giraffes.' })).statusCode, 200)
  t.equal(await bm25Of(zebra.id), 0.8026, 'an edited text counts as edited: n 2, df 1, avgdl 3/2')
  const after = await match(app, { text: 'lions' })
  t.equal(after[0]?.claim.id, both.id, 'the edited claim matches by its new words at once')
  // Folding the statistics' rows together changes no answer.
  t.ok(await app.services.matching.compactStats())
  t.equal(await bm25Of(zebra.id), 0.8026, 'the same after compaction')
})

t.test('folding the term statistics after a bulk load is not cut short by the statement timeout', async (t) => {
  // An import or a bulk load leaves many delta rows; folding them takes longer than a request may (here 100 ms, on
  // the server: the embedded database has no statement timeout).
  const app = await build(t)
  const zebra = await createClaim(app, { text: 'Zebras.' })
  // 80 rows per word on the server (folding them takes seconds there); 4 on the slower embedded database.
  const rows = app.database.kind === 'postgres' ? 400_000 : 20_000
  await app.database.db.drizzle.execute(sql`
    insert into claim_term_stats (lexeme, df)
    select 'bulk' || (i % 5000), case when (i / 5000) % 2 = 0 then 1 else -1 end from generate_series(0, ${rows - 1}::int) i`)
  const store = app.database.jobStore
  const strict = 'url' in store
    ? await createDatabase({ databaseUrl: store.url, pgliteDir: 'memory://', databasePoolSize: 1, databaseTimeouts: { ...parseConfig({}).databaseTimeouts, statementMs: 100 } })
    : app.database
  if (strict !== app.database) t.teardown(() => strict.close())
  t.ok(await createMatchingRepository(strict.db).compactStats(), 'folded')
  const [left] = await queryRows<{ rows: number }>(app.database.db.drizzle, sql`select count(*)::int as rows from claim_term_stats where lexeme like 'bulk%'`)
  t.equal(left?.rows, 0, 'every delta row folded (their sums were 0)')
  const [found] = (await match(app, { text: 'zebra' })).map((m) => m.claim.id)
  t.equal(found, zebra.id, 'matching answers as before')
})

t.test("another organisation's private claims never appear and never take a caller's places", async (t) => {
  const app = await build(t)
  // 60 private claims of the test organisation, each a better match than any public claim.
  for (let i = 0; i < 60; i++) await createClaim(app, { text: `Tariffs on bananas will triple next week, case ${i}.` })
  const shown: string[] = []
  for (const text of ['Tariffs on bananas are rising.', 'Bananas cost more after tariffs.', 'New tariffs hit fruit like bananas.']) {
    shown.push((await createPublicClaim(app, { text })).id)
  }
  const otherReader = await keyFor(app, 'reader', 'other-newsroom')
  const own = await app.inject({ method: 'POST', url: '/v1/claims', headers: bearer(await keyFor(app, 'editor', 'other-newsroom')), payload: { text: 'Tariffs on bananas, said the other newsroom.' } })
  t.equal(own.statusCode, 201)
  const input = { text: 'Tariffs on bananas will triple next week.', limit: 3 }
  for (const [who, headers, expected] of [
    ['anonymous', anonymous, shown],
    ['another organisation', bearer(otherReader), [...shown, own.json().id]],
  ] as const) {
    const data = await match(app, input, headers)
    t.equal(data.length, 3, `${who}: limit results, as that many visible claims match`)
    t.ok(data.every((d) => expected.includes(d.claim.id)), `${who}: only claims it may see`)
  }
  const mine = await match(app, input)
  t.equal(mine.length, 3, 'the owner sees its private claims')
  t.notOk(mine.some((d) => shown.includes(d.claim.id)), 'which match best')
})

t.test('each match says why: the words it shares with the input and the parts of its score', async (t) => {
  const app = await build(t)
  const claim = await createClaim(app, { text: 'Crime in Chicago has dropped by more than 10% over the last two years.' })
  await createClaim(app, { text: 'Crime rose in every city last year.' })
  const [first] = await match(app, { text: 'Chicago says crime dropped sharply https://t.co/abc' })
  t.equal(first?.claim.id, claim.id)
  t.same(first?.explanation.matchedTerms, ['chicago', 'dropped', 'crime'], 'the shared words, rarest first; "says" and "sharply" are not in the claim')
  t.ok((first?.explanation.bm25 ?? 0) > 0)
  t.ok((first?.explanation.words ?? 0) > 0 && (first?.explanation.similarity ?? 0) > 0, 'a social media post: shared words and similar texts')
  t.ok(Math.abs((first?.score ?? 0) - (first?.explanation.words ?? 0) - (first?.explanation.similarity ?? 0)) < 0.001, 'the score is the sum of its parts')
  const [plain] = await match(app, { text: 'Chicago says crime dropped sharply' })
  t.equal(plain?.claim.id, claim.id)
  t.same(plain?.explanation.matchedTerms, ['chicago', 'dropped', 'crime'])
  t.ok(Math.abs((plain?.score ?? 0) - (plain?.explanation.words ?? 0) - (plain?.explanation.similarity ?? 0)) < 0.001, 'the score is the sum of its parts')
})

t.test('Spanish, German and French claims are matched with their own stemming and stop words', async (t) => {
  const app = await build(t)
  const es = await createClaim(app, { text: 'Los inmigrantes reciben más ayudas que los pensionistas.', language: 'es' })
  const de = await createClaim(app, { text: 'Die Regierung hat die Steuern für Rentner erhöht.', language: 'de' })
  const fr = await createClaim(app, { text: "Les vaccins provoquent l'autisme chez les enfants.", language: 'fr' })
  const cases = [
    [es.id, 'El inmigrante recibe una ayuda', 'es', ['inmigrante', 'recibe', 'ayuda']],
    [de.id, 'Erhöht die Regierung die Steuer für einen Rentner?', 'de', ['rentner', 'erhöht', 'regierung', 'steuer']],
    [fr.id, "Un vaccin provoquerait l'autisme chez l'enfant", 'fr', ['autisme', 'vaccin', 'enfant', 'chez']],
  ] as const
  for (const [id, text, language, words] of cases) {
    const stated = await match(app, { text, language })
    t.equal(stated[0]?.claim.id, id, `${language}: other forms of the words match`)
    t.same([...(stated[0]?.explanation.matchedTerms ?? [])].sort(), [...words].sort(), `${language}: stop words play no part`)
    const detected = await match(app, { text })
    t.equal(detected[0]?.claim.id, id, `${language}: the language is detected when not given`)
  }
})

t.test('the language of a text is told by its function words; English when unclear', async (t) => {
  t.equal(detectLanguage('Los inmigrantes reciben más ayudas que los pensionistas'), 'es')
  t.equal(detectLanguage('Die Regierung hat die Steuern für Rentner erhöht'), 'de')
  t.equal(detectLanguage("Les vaccins provoquent l'autisme chez les enfants et ils sont dangereux"), 'fr')
  t.equal(detectLanguage('The unemployment rate fell to its lowest level in 50 years'), 'en')
  t.equal(detectLanguage('Zelenskyy Putin'), 'en')
})
