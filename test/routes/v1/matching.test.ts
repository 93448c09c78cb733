// POST /v1/claims/match: the right claim first for inputs much longer or shorter than the claim, scores in [0, 1].
import t from 'tap'
import { build, createClaim, isProblem } from '../../helper.ts'
import { cleanInput, numberSpellings } from '../../../src/services/matching.ts'

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
    const data = res.json().data as Array<{ score: number, claim: { id: string, status: string, currentVerdict: unknown } }>
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
  const data = (await app.inject({ method: 'POST', url: '/v1/claims/match', payload: { text: 'We need singlepayer now' } })).json().data
  t.equal(data[0]?.claim.id, target.id, '"singlepayer" matches "single-payer"')
})

t.test('bad requests are refused', async (t) => {
  const app = await build(t)
  for (const payload of [{}, { text: '' }, { text: 'x', limit: 0 }, { text: 'x', limit: 51 }, { text: 'x', minScore: 2 }, { text: 'x', extra: 1 }, { text: 'x'.repeat(5001) }]) {
    isProblem(t, await app.inject({ method: 'POST', url: '/v1/claims/match', payload }), 400)
  }
})

t.test('posts are cleaned of links; hashtags and handles become words', async (t) => {
  t.equal(cleanInput('RT @BarackObama: Vaccines cause #AutismInKids https://t.co/x pic.twitter.com/y &amp; more'), 'RT Barack Obama: Vaccines cause Autism In Kids more')
})

t.test('numbers written in words are looked up in digits too', async (t) => {
  t.equal(numberSpellings('Homicides rose in fifty cities: forty-three, twenty five, fortythree; one of them, tenacious'), '50 43 25 43')
})
