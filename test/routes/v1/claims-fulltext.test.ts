// GET /v1/claims?q=: full-text search over claim text, claimant name, topics and appearance titles and quotes;
// web-search syntax, accents and English word endings, ranking and snippets; and the same search on the ClaimReview
// feed. Filters, sorts and cursors are in claims-search.test.ts.
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import t, { type Test } from 'tap'
import { build, change, collectPages, createClaim, createClaimant, isProblem } from '../../helper.ts'

interface Item { id: string, text: string, search?: { rank: number, snippet: string } }

/** The items of one page of GET /v1/claims?q=..., after checking it answered 200. */
async function search (t: Test, app: FastifyInstance, q: string, extra = ''): Promise<Item[]> {
  const res = await app.inject({ method: 'GET', url: `/v1/claims?limit=100&q=${encodeURIComponent(q)}${extra}` })
  t.equal(res.statusCode, 200, `q=${q}${extra} answers 200`)
  return res.json().data
}

/** The ids found for q, in the order given, as a sorted list to compare as a set. */
const found = async (t: Test, app: FastifyInstance, q: string, extra = '') => (await search(t, app, q, extra)).map((item) => item.id).sort()
const set = (...ids: string[]) => [...ids].sort()

async function claim (app: FastifyInstance, text: string, body: Record<string, unknown> = {}): Promise<string> {
  return (await createClaim(app, { text, ...body })).id
}

async function publishReview (app: FastifyInstance, claimId: string, publish = true) {
  const payload = { ratingScale: 'truth-o-meter', rating: 'false', ratingExplanation: 'Not so.', url: `https://factcheck.example.org/${claimId}`, author: { name: 'Example Fact Check', url: 'https://factcheck.example.org' } }
  const drafted = await app.inject({ method: 'POST', url: `/v1/claims/${claimId}/reviews`, payload })
  if (drafted.statusCode !== 201) throw new Error(`draft: ${drafted.statusCode} ${drafted.body}`)
  if (!publish) return
  const url = `/v1/claims/${claimId}/reviews/${drafted.json().id}/publish`
  const res = await app.inject({ method: 'POST', url, headers: { 'if-match': String(drafted.headers.etag) } })
  if (res.statusCode !== 200) throw new Error(`publish: ${res.statusCode} ${res.body}`)
}

t.test('accents are ignored, and English words match by their stem', async (t) => {
  const app = await build(t)
  const jose = await claim(app, 'José Martí dijo que la economía crece', { language: 'es' })
  const senator = await claim(app, 'The senator was running for office', { language: 'en' })
  const cafe = await claim(app, 'The café on Main Street serves the best crêpes', { language: 'en-GB' })
  await claim(app, 'Unrelated words only', { language: 'de' })

  for (const q of ['jose', 'José', 'JOSE', 'economia', 'economía', 'marti crece', 'jose economia']) t.same(await found(t, app, q), [jose], `q=${q}`)
  for (const q of ['cafe', 'café', 'crepes', 'crêpe']) t.same(await found(t, app, q), [cafe], `q=${q}`)
  t.same(await found(t, app, 'economias'), [], 'Spanish is not stemmed (the simple configuration)')

  for (const q of ['runs', 'running', 'run', 'senators', 'offices']) t.same(await found(t, app, q), [senator], `q=${q}: English stems to the same word`)
  // English stemming (Snowball) strips endings; it does not know irregular forms: `ran` stays `ran`, not `run`.
  t.same(await found(t, app, 'ran'), [], 'q=ran does not find "running"')
  t.same(await found(t, app, 'runner'), [], 'q=runner is another stem')
})

t.test('the claimant name, topics and appearance titles and quotes are searched, and kept current', async (t) => {
  const app = await build(t)
  const rutte = await createClaimant(app, { name: 'Mark Rutte' })
  const housing = await claim(app, 'Housing prices will fall next year', { claimantId: rutte.id })
  const nitrogen = await claim(app, 'Farmers must cut their emissions', { topics: ['nitrogen', 'farming'] })
  const bridges = await claim(app, 'We will rebuild every bridge', { claimantId: rutte.id })
  await claim(app, 'Something else entirely', { topics: ['weather'] })

  t.same(await found(t, app, 'rutte'), set(housing, bridges), 'q=rutte finds the claims of Mark Rutte')
  t.same(await found(t, app, 'mark rutte housing'), [housing])
  t.same(await found(t, app, 'nitrogen'), [nitrogen], 'by topic')
  t.same(await found(t, app, 'farming emissions'), [nitrogen], 'topic and text together')

  const added = await app.inject({ method: 'POST', url: `/v1/claims/${bridges}/appearances`, payload: { medium: 'speech', title: 'State of the Union', quote: 'Our infrastructure is crumbling, and we will fix it.' } })
  t.equal(added.statusCode, 201)
  t.same(await found(t, app, '"state of the union"'), [bridges], 'by appearance title, as a phrase')
  t.same(await found(t, app, 'infrastructure crumbling'), [bridges], 'by appearance quote')
  t.same(await found(t, app, '"union of the state"'), [], 'the phrase in another order does not match')

  t.equal((await change(app, 'DELETE', `/v1/claims/${bridges}/appearances/${added.json().id}`)).statusCode, 204)
  t.same(await found(t, app, '"state of the union"'), [], 'not found once the appearance is deleted')
  t.same(await found(t, app, 'infrastructure'), [])
  t.same(await found(t, app, 'bridge'), [bridges], 'the claim itself is still found')

  t.equal((await change(app, 'PATCH', `/v1/claimants/${rutte.id}`, { name: 'Dick Schoof' })).statusCode, 200)
  t.same(await found(t, app, 'schoof'), set(housing, bridges), 'found by the new name')
  t.same(await found(t, app, 'rutte'), [], 'not by the old one')

  t.equal((await change(app, 'PATCH', `/v1/claims/${nitrogen}`, { topics: ['agriculture'] })).statusCode, 200)
  t.same(await found(t, app, 'nitrogen'), [], 'a removed topic is no longer found')
  t.same(await found(t, app, 'agriculture'), [nitrogen])
  t.equal((await change(app, 'PATCH', `/v1/claims/${housing}`, { text: 'Rents will rise next year' })).statusCode, 200)
  t.same(await found(t, app, 'housing'), [], 'the old text is no longer found')
  t.same(await found(t, app, 'rents'), [housing])
})

t.test('web-search syntax: phrases, or, and -word', async (t) => {
  const app = await build(t)
  const endWar = await claim(app, 'I can end the war in 24 hours')
  const warEnd = await claim(app, 'The war will not end soon')
  const both = await claim(app, 'The moon is made of cheese')
  const moon = await claim(app, 'The moon landing was staged')
  const cheese = await claim(app, 'Cheese before bed causes nightmares')
  await claim(app, 'Mars has running water')

  t.same(await found(t, app, '"end the war"'), [endWar], 'a quoted phrase matches its words in order only')
  t.same(await found(t, app, 'end the war'), set(endWar, warEnd), 'the same words unquoted match in any order')
  t.same(await found(t, app, 'cheese or moon'), set(both, moon, cheese))
  t.same(await found(t, app, 'cheese OR moon'), set(both, moon, cheese))
  t.same(await found(t, app, 'cheese moon'), [both], 'words without or must all match')
  t.same(await found(t, app, 'moon -cheese'), [moon])
  t.same(await found(t, app, 'cheese -moon'), [cheese])
  t.same(await found(t, app, 'war -"end the war"'), [warEnd])
  t.same(await found(t, app, 'volcano'), [])
})

t.test('results are ranked: text above appearance quotes, rank descending, paging by rank', async (t) => {
  const app = await build(t)
  const inText = await claim(app, 'The war in Ukraine will be over by summer')
  const inQuote = await claim(app, 'Grain prices are rising everywhere')
  const quoted = await app.inject({ method: 'POST', url: `/v1/claims/${inQuote}/appearances`, payload: { medium: 'broadcast', quote: 'Prices rise because of the war in Ukraine.' } })
  t.equal(quoted.statusCode, 201)
  const ties: string[] = []
  for (let i = 0; i < 3; i++) ties.push(await claim(app, `Ukraine and the war, take ${i}`))
  const onlyWar = await claim(app, 'The war of the roses')

  const ranked = await search(t, app, 'war ukraine', '&sort=relevance')
  const ids = ranked.map((item) => item.id)
  t.same(new Set(ids), new Set([inText, inQuote, ...ties]), 'both words must match')
  t.notOk(ids.includes(onlyWar))
  t.ok(ids.indexOf(inText) < ids.indexOf(inQuote), 'a match in the claim text ranks above one in an appearance quote')
  t.equal(ids[ids.length - 1], inQuote, 'the appearance-only match ranks last')
  const ranks = ranked.map((item) => item.search?.rank)
  for (const rank of ranks) t.type(rank, 'number')
  t.same(ranks, [...ranks].sort((a, b) => Number(b) - Number(a)), 'rank descending')
  const byRank = (a: Item, b: Item) => Number(b.search?.rank) - Number(a.search?.rank) || (a.id < b.id ? 1 : -1)
  t.same(ids, [...ranked].sort(byRank).map((item) => item.id), 'equal ranks ordered by id, newest first')
  t.ok(
    Number(ranked.find((i) => i.id === inText)?.search?.rank) >
      Number(ranked.find((i) => i.id === inQuote)?.search?.rank)
  )
  t.match(ranked.find((i) => i.id === inText)?.search?.snippet, '<mark>war</mark> in <mark>Ukraine</mark> will be over by summer')

  t.same((await search(t, app, 'war ukraine')).map((item) => item.id), ids, 'relevance is the default with q')
  const { items } = await collectPages(app, `/v1/claims?sort=relevance&q=${encodeURIComponent('war ukraine')}`, 1)
  t.same(items.map((item) => item.id), ids, 'paging one at a time by relevance gives the same order, each once')
  const first = await app.inject({ method: 'GET', url: '/v1/claims?q=war+ukraine&limit=1' })
  const cursor = encodeURIComponent(String(first.json().nextCursor))
  t.equal((await app.inject({ method: 'GET', url: `/v1/claims?q=war+ukraine&limit=1&cursor=${cursor}` })).statusCode, 200)
  isProblem(t, await app.inject({ method: 'GET', url: `/v1/claims?q=war&limit=1&cursor=${cursor}` }), 400, 'invalid-cursor')
  isProblem(t, await app.inject({ method: 'GET', url: `/v1/claims?q=war+ukraine&sort=-createdAt&limit=1&cursor=${cursor}` }), 400, 'invalid-cursor')

  const newest = await search(t, app, 'war ukraine', '&sort=-createdAt')
  t.same(newest.map((item) => item.id), [...ids].sort().reverse(), 'another sort with q orders by that sort')
  t.ok(newest.every((item) => typeof item.search?.rank === 'number'), 'and still reports the rank')

  const problem = isProblem(t, await app.inject({ method: 'GET', url: '/v1/claims?sort=relevance' }), 400, 'validation-failed')
  t.equal(problem.errors?.[0]?.field, 'query.sort', 'relevance needs q')
})

t.test('snippets mark the matches and HTML-escape the claim text; no search field without q', async (t) => {
  const app = await build(t)
  const script = await claim(app, 'Politicians say the moon is made of <b>cheese</b> & <script>alert(1)</script> tags')
  const plain = await claim(app, 'The senator was running for office')
  const jose = await claim(app, 'José Martí dijo que la economía crece', { language: 'es' })
  const short = await claim(app, 'We saw the comet')

  const [hit] = await search(t, app, 'moon')
  t.equal(hit?.id, script)
  t.match(hit?.search, { rank: Number, snippet: String })
  const snippet = String(hit?.search?.snippet)
  t.equal(snippet, 'Politicians say the <mark>moon</mark> is made of &lt;b&gt;cheese&lt;/b&gt; &amp; &lt;script&gt;alert(1)&lt;/script&gt; tags')
  t.notMatch(snippet, '<script>', 'no raw tag survives')
  t.same(snippet.match(/<[^>]*>/g), ['<mark>', '</mark>'], 'mark is the only markup')

  const [stemmed] = await search(t, app, 'runs')
  t.equal(stemmed?.id, plain)
  t.match(stemmed?.search?.snippet, 'senator was <mark>running</mark> for office', 'the stemmed match is marked as written')

  const [both] = await search(t, app, 'cheese moon')
  t.equal(both?.id, script)
  t.match(both?.search?.snippet, /<mark>moon<\/mark>.*&lt;b&gt;<mark>cheese<\/mark>&lt;\/b&gt;/, 'every matching word is marked')

  // A claim far shorter than the snippet is shown whole, not cut down to the words around the match.
  const [comet] = await search(t, app, 'comet')
  t.equal(comet?.id, short)
  t.equal(comet?.search?.snippet, 'We saw the <mark>comet</mark>', 'a short claim is shown whole')

  const [accented] = await search(t, app, 'jose')
  t.equal(accented?.id, jose)
  t.match(String(accented?.search?.snippet), '<mark>José</mark>', 'a match found without its accent is marked too')

  const listed = await app.inject({ method: 'GET', url: '/v1/claims' })
  t.equal(listed.statusCode, 200)
  t.equal(listed.json().data.length, 4)
  for (const item of listed.json().data) t.notOk('search' in item, 'no search field without q')
  const filtered = await app.inject({ method: 'GET', url: '/v1/claims?language=es' })
  t.same(filtered.json().data.map((item: Item) => [item.id, 'search' in item]), [[jose, false]])
})

t.test('deleted claims are never found', async (t) => {
  const app = await build(t)
  const kept = await claim(app, 'The moon is bright tonight')
  const gone = await claim(app, 'The moon is made of cheese')
  await publishReview(app, gone)
  t.same(await found(t, app, 'moon'), set(kept, gone))
  t.equal((await change(app, 'DELETE', `/v1/claims/${gone}`)).statusCode, 204)
  t.same(await found(t, app, 'moon'), [kept])
  t.same(await found(t, app, 'cheese'), [])
  t.same(await found(t, app, 'cheese', '&sort=-claimDate'), [])
  const feed = await app.inject({ method: 'GET', url: '/v1/claimreview?q=cheese' })
  t.equal(feed.statusCode, 200)
  t.same(feed.json()['@graph'], [], 'nor in the ClaimReview feed')
})

t.test('the ClaimReview feed applies the same search to published reviews', async (t) => {
  const app = await build(t)
  const rutte = await createClaimant(app, { name: 'Mark Rutte' })
  const moon = await claim(app, 'The moon is made of cheese', { claimantId: rutte.id })
  const jose = await claim(app, 'José Martí dijo que la economía crece', { language: 'es' })
  const running = await claim(app, 'The senator was running for office')
  const drafted = await claim(app, 'The moon landing was staged')
  await claim(app, 'The moon has no review at all')
  for (const id of [moon, jose, running]) await publishReview(app, id)
  await publishReview(app, drafted, false)

  const feed = async (q: string, extra = '') => {
    const res = await app.inject({ method: 'GET', url: `/v1/claimreview?q=${encodeURIComponent(q)}${extra}` })
    t.equal(res.statusCode, 200, `feed q=${q}`)
    return (res.json()['@graph'] as Array<{ claimReviewed: string }>).map((review) => review.claimReviewed)
  }
  t.same(await feed('moon'), ['The moon is made of cheese'], 'only the published review of a matching claim')
  t.same(await feed('economia'), ['José Martí dijo que la economía crece'], 'accents ignored')
  t.same(await feed('runs'), ['The senator was running for office'], 'English stems')
  t.same(await feed('rutte'), ['The moon is made of cheese'], 'by claimant name')
  t.same(await feed('cheese or senator'), ['The senator was running for office', 'The moon is made of cheese'], 'newest review first')
  t.same(await feed('moon -cheese'), [])
  const paged: string[] = []
  let cursor: string | null = null
  do {
    const res: LightMyRequestResponse = await app.inject({ method: 'GET', url: `/v1/claimreview?q=cheese+or+senator&limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}` })
    t.equal(res.statusCode, 200)
    paged.push(...res.json()['@graph'].map((review: { claimReviewed: string }) => review.claimReviewed))
    cursor = res.json().nextCursor
  } while (cursor)
  t.same(paged, ['The senator was running for office', 'The moon is made of cheese'], 'the searched feed pages one at a time')
  t.same(await feed('moon', '&language=es'), [], 'with the other filters')
  isProblem(t, await app.inject({ method: 'GET', url: '/v1/claimreview?q=%20' }), 400, 'validation-failed')
})
