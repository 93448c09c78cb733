// Importing and exporting claims below the command line: imported claims, claimants, appearances and verdicts are
// first-class (history, search, change feed, published verdicts), rejected records say why and the rest goes on, a
// re-run writes nothing, a changed record is updated, and export -> import into an empty database -> export gives
// the same bytes in every format.
import { Readable } from 'node:stream'
import { count, eq } from 'drizzle-orm'
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { claimants, revisions } from '../../src/db/schema.ts'
import type { ExportFilters } from '../../src/repositories/export.ts'
import { readRecords, type ImportFormat } from '../../src/services/import-formats.ts'
import type { ImportSummary, RowResult } from '../../src/services/import.ts'
import { anonymous, build, createClaim, createClaimant, onServer, printable, settle, testOrganization } from '../helper.ts'

const row = (fields: Record<string, unknown>) => JSON.stringify({ reviewer: 'PolitiFact', topics: null, ...fields })

/** A data set in the shape of politifact-claims.jsonl, with every kind of record that must be rejected. */
const dataset = [
  row({ id: 'pf-1', text: 'Taxes doubled last year.', claimant: 'Donald Trump', claimDate: '2019-10-22', context: 'a campaign mailer', verdictLabel: 'false', reviewUrl: 'https://www.politifact.com/factchecks/2019/oct/30/taxes/', topics: ['taxes'] }),
  row({ id: 'pf-2', text: 'Crime fell by 10% in Chicago.', claimant: 'donald trump', claimDate: '2019-10-28', context: 'a speech', verdictLabel: 'Pants on Fire', reviewUrl: 'https://www.politifact.com/factchecks/2019/oct/29/crime/' }),
  row({ id: 'pf-3', text: 'The bridge opened in 1990.', claimant: 'Jane Doe', claimDate: null, context: null, verdictLabel: null, reviewUrl: null }),
  row({ id: 'pf-4', text: 'A flip on trade.', claimant: 'Sam Smith', claimDate: '2019-01-01', verdictLabel: 'half-flip', reviewUrl: 'https://www.politifact.com/factchecks/4/' }),
  row({ id: 'pf-5', claimant: 'Sam Smith', verdictLabel: 'true', reviewUrl: 'https://www.politifact.com/factchecks/5/' }),
  row({ id: 'pf-6', text: 'Dated wrongly.', claimDate: '2019-13-45', verdictLabel: 'true', reviewUrl: 'https://www.politifact.com/factchecks/6/' }),
  row({ id: 'pf-7', text: 'Linked wrongly.', verdictLabel: 'true', reviewUrl: 'not a url' }),
  '{"id": "pf-8", "text": "broken',
  row({ text: 'No way to find me again.', verdictLabel: null, reviewUrl: null }),
  '',
  row({ id: 'pf-9', text: 'Unemployment is at a record low.', claimant: 'Sam Smith', claimDate: '2020-02-02', context: 'a tweet', verdictLabel: 'mostly-true', reviewUrl: 'https://www.politifact.com/factchecks/2020/feb/02/jobs/', topics: ['jobs', 'economy'] }),
].join('\n')

async function runImport (app: FastifyInstance, text: string, format: ImportFormat = 'jsonl', options: { columns?: Record<string, string>, organizationId?: string } = {}) {
  const run = app.services.imports.importRecords(readRecords(Readable.from([text]), format, options), {
    organizationId: options.organizationId ?? testOrganization(app).id,
    scale: 'truth-o-meter',
    batchSize: 3,
    // On a server, batches are written two at a time, as the command does.
    concurrency: onServer ? 2 : 1,
  })
  const results: RowResult[] = []
  for (;;) {
    const next = await run.next()
    if (next.done) return { results: results.sort((a, b) => a.line - b.line), summary: next.value as ImportSummary }
    results.push(next.value)
  }
}

async function runExport (
  app: FastifyInstance,
  format: ImportFormat,
  filters: ExportFilters = { organizationId: testOrganization(app).id }
) {
  let out = ''
  for await (const chunk of app.services.exports.claims(filters, format)) out += chunk
  return out
}

const revisionCount = async (app: FastifyInstance) => (await app.db.select({ n: count() }).from(revisions))[0]?.n

t.test('imported claims are first-class; rejected records say why; a re-run writes nothing; a change is an update', async (t) => {
  const app = await build(t)
  const jane = await createClaimant(app, { name: 'Jane Doe' })
  const { results, summary } = await runImport(app, dataset)
  t.same(summary, { created: 4, updated: 0, unchanged: 0, rejected: 6, undated: 3 })
  const rejected = Object.fromEntries(results.filter((r) => r.outcome === 'rejected').map((r) => [r.line, r.reason]))
  t.match(rejected, {
    4: /"half-flip" is not a value of the rating scale truth-o-meter/,
    5: /text is missing/,
    6: /claimDate/,
    7: /review\.url: must be an absolute http or https URL/,
    8: /not valid JSON/,
    9: /needs an id or a reviewUrl/,
  })
  t.equal(results.find((r) => r.line === 4)?.key, 'pf-4', 'a rejected record keeps its key')
  t.same((results.find((r) => r.line === 4)?.record as { id?: string }).id, 'pf-4', 'and the record, to fix')

  // Claimants are matched by name, not duplicated: Donald Trump twice (any case) is one; Jane Doe is the one made
  // before.
  const names = await app.db.select({ name: claimants.name }).from(claimants).orderBy(claimants.name)
  t.same(
    names.map((n) => n.name),
    ['Donald Trump', 'Jane Doe', 'Sam Smith']
  )
  const byId = Object.fromEntries(results.filter((r) => r.claimId).map((r) => [r.key, r.claimId]))

  // A published verdict, public like one published through the API; on the truth-o-meter by key or by label.
  const first = await app.inject({ method: 'GET', url: `/v1/claims/${byId['pf-1']}`, headers: anonymous })
  t.equal(first.statusCode, 200)
  t.match(first.json(), {
    text: 'Taxes doubled last year.',
    claimant: { name: 'Donald Trump' },
    claimDate: '2019-10-22',
    topics: ['taxes'],
    status: 'reviewed',
    version: 2,
    currentVerdict: {
      rating: { key: 'false', scale: 'truth-o-meter' },
      url: 'https://www.politifact.com/factchecks/2019/oct/30/taxes/',
      author: { name: 'PolitiFact' },
      ratingExplanation: 'PolitiFact rated this claim False.',
    },
    appearances: [{ title: 'a campaign mailer', isFirstAppearance: true }],
  })
  const second = (await app.inject({ method: 'GET', url: `/v1/claims/${byId['pf-2']}` })).json()
  t.equal(second.currentVerdict.rating.key, 'pants-fire')
  t.equal(second.claimant.id, first.json().claimant.id, 'the same claimant')
  // Without a verdict the claim stays private to its organisation, as one made through the API.
  t.equal((await app.inject({ method: 'GET', url: `/v1/claims/${byId['pf-3']}`, headers: anonymous })).statusCode, 404)
  t.match((await app.inject({ method: 'GET', url: `/v1/claims/${byId['pf-3']}` })).json(), {
    status: 'new',
    claimant: { id: jane.id },
    currentVerdict: null,
  })

  // The history, as if made through the API, by the actor `import`.
  const history = (await app.inject({ method: 'GET', url: `/v1/claims/${byId['pf-1']}/history` })).json()
    .data as Array<{ entityType: string; action: string; actor: string }>
  t.same(
    history.map((h) => `${h.entityType} ${h.action}`),
    ['claim update', 'review publish', 'review create', 'appearance create', 'claim create']
  )
  t.ok(history.every((h) => h.actor === 'import'))
  // Search, ClaimReview and the change feed see it.
  const search = (await app.inject({ method: 'GET', url: '/v1/claims?q=unemployment', headers: anonymous })).json()
  t.same(
    search.data.map((c: { id: string }) => c.id),
    [byId['pf-9']]
  )
  const byContext = (await app.inject({ method: 'GET', url: '/v1/claims?q=mailer' })).json()
  t.same(
    byContext.data.map((c: { id: string }) => c.id),
    [byId['pf-1']],
    'the context is searchable as the appearance title'
  )
  const claimReview = (
    await app.inject({ method: 'GET', url: `/v1/claims/${byId['pf-9']}/claimreview`, headers: anonymous })
  ).json()
  t.match(claimReview, [
    { url: 'https://www.politifact.com/factchecks/2020/feb/02/jobs/', reviewRating: { alternateName: 'Mostly True' } },
  ])
  await settle(app)
  const feed = (await app.inject({ method: 'GET', url: '/v1/changes?limit=100', headers: anonymous })).json()
  const published = feed.data.filter(
    (c: { type: string; entity: { id: string } }) => c.type === 'claim' && c.entity.id === byId['pf-9']
  )
  t.same(
    published.map((c: { action: string; version: number }) => `${c.action} ${c.version}`),
    ['create 1', 'update 2'],
    'in the change feed'
  )

  // Again: nothing is written.
  const before = await revisionCount(app)
  const again = await runImport(app, dataset)
  t.same(again.summary, { created: 0, updated: 0, unchanged: 4, rejected: 6, undated: 0 })
  t.equal(await revisionCount(app), before, 'no new revisions')

  // A changed record is updated through the services, with its revisions; the others stay as they were.
  const changed = dataset
    .replace('"Taxes doubled last year."', '"Taxes tripled last year."')
    .replace('"verdictLabel":"mostly-true"', '"verdictLabel":"true"')
  const third = await runImport(app, changed)
  t.same(third.summary, { created: 0, updated: 2, unchanged: 2, rejected: 6, undated: 0 })
  t.match((await app.inject({ method: 'GET', url: `/v1/claims/${byId['pf-1']}` })).json(), {
    text: 'Taxes tripled last year.',
    version: 3,
  })
  t.match((await app.inject({ method: 'GET', url: `/v1/claims/${byId['pf-9']}` })).json(), {
    currentVerdict: { rating: { key: 'true' } },
  })
  t.equal(await revisionCount(app), (before ?? 0) + 3, "the claim's text; the review's rating and the claim showing it")
})

t.test('CSV with a header mapping, and ClaimReview as an object, an array or a page\'s @graph', async (t) => {
  const app = await build(t)
  const csv = [
    'Ref,Statement,Speaker,Said on,Rating,Link,By,topics',
    'c-1,"Wages rose, they said.",Ann Lee,2021-05-01,half-true,https://factcheck.example.org/wages,Example Check,wages;economy',
    'c-2,,Ann Lee,2021-05-01,true,https://factcheck.example.org/empty,Example Check,',
    'c-3,Prices fell.,Ann Lee,2021-05-02,Mostly False,https://factcheck.example.org/prices,Example Check,',
  ].join('\r\n')
  const columns = { Ref: 'id', Statement: 'text', Speaker: 'claimant', 'Said on': 'claimDate', Rating: 'verdictLabel', Link: 'reviewUrl', By: 'reviewer' }
  const imported = await runImport(app, csv, 'csv', { columns })
  t.same(imported.summary, { created: 2, updated: 0, unchanged: 0, rejected: 1, undated: 2 })
  t.match(imported.results.find((r) => r.outcome === 'rejected'), { line: 3, key: 'c-2', reason: /text/ })
  const wages = (await app.inject({ method: 'GET', url: `/v1/claims/${imported.results.find((r) => r.key === 'c-1')?.claimId}` })).json()
  t.match(wages, { text: 'Wages rose, they said.', topics: ['wages', 'economy'], currentVerdict: { rating: { key: 'half-true' } } })

  const claimReview = {
    '@context': 'https://schema.org',
    '@type': 'ClaimReview',
    url: 'https://factcheck.example.org/moon',
    claimReviewed: 'The moon is made of cheese.',
    datePublished: '2024-03-01T10:00:00.000Z',
    author: { '@type': 'Organization', name: 'Example Check', url: 'https://factcheck.example.org' },
    reviewRating: { '@type': 'Rating', alternateName: 'Pants on Fire', ratingExplanation: 'It is rock.' },
    itemReviewed: {
      '@type': 'Claim',
      author: { '@type': 'Organization', name: 'Cheese Council', sameAs: ['https://cheese.example.org'] },
      datePublished: '2024-02-01',
      appearance: [{ '@type': 'CreativeWork', url: 'https://news.example.org/moon', headline: 'Moon news' }],
    },
  }
  const other = { ...claimReview, url: 'https://factcheck.example.org/sun', claimReviewed: 'The sun is cold.', reviewRating: { alternateName: 'Nonsense' } }
  const single = await runImport(app, JSON.stringify(claimReview), 'claimreview')
  t.same(single.summary, { created: 1, updated: 0, unchanged: 0, rejected: 0, undated: 0 })
  const moon = (await app.inject({ method: 'GET', url: `/v1/claims/${single.results[0]?.claimId}` })).json()
  t.match(moon, {
    claimant: { name: 'Cheese Council', kind: 'organization' },
    claimDate: '2024-02-01',
    currentVerdict: { rating: { key: 'pants-fire' }, ratingExplanation: 'It is rock.', datePublished: '2024-03-01T10:00:00.000Z', author: { url: 'https://factcheck.example.org' } },
    appearances: [{ url: 'https://news.example.org/moon', title: 'Moon news' }],
  })
  const lookup = (await app.inject({ method: 'GET', url: '/v1/lookup?url=https://news.example.org/moon', headers: anonymous })).json()
  t.equal(lookup.claims[0]?.id, moon.id, 'the appearance URL finds the claim')
  t.same((await runImport(app, JSON.stringify([claimReview, other]), 'claimreview')).summary, { created: 0, updated: 0, unchanged: 1, rejected: 1, undated: 0 }, 'an array; found again by its review URL')
  const page = { '@context': 'https://schema.org', '@graph': [{ '@type': 'WebPage', name: 'x' }, claimReview] }
  t.same((await runImport(app, JSON.stringify(page), 'claimreview')).summary, { created: 0, updated: 0, unchanged: 1, rejected: 0, undated: 0 }, 'a @graph, other nodes skipped')
})

t.test('a verdict is dated from its record (reviewDate, a mapped column, ClaimReview datePublished); without one it has no date, is counted, and is never new', async (t) => {
  const app = await build(t)
  const jsonl = [
    row({ id: 'd-1', text: 'Dated by reviewDate.', verdictLabel: 'false', reviewUrl: 'https://factcheck.example.org/d-1', reviewDate: '2019-10-30T12:00:00Z' }),
    row({ id: 'd-2', text: 'Dated by nothing at all.', verdictLabel: 'false', reviewUrl: 'https://factcheck.example.org/d-2' }),
    JSON.stringify({ id: 'd-3', text: 'Dated by a mapped field.', verdictLabel: 'true', reviewUrl: 'https://factcheck.example.org/d-3', reviewer: 'PolitiFact', published: '2018-05-04T00:00:00Z' }),
  ].join('\n')
  const imported = await runImport(app, jsonl, 'jsonl', { columns: { published: 'reviewDate' } })
  t.same(imported.summary, { created: 3, updated: 0, unchanged: 0, rejected: 0, undated: 1 }, 'the summary says how many have no date')
  t.same(imported.results.map((r) => `${r.key} ${r.undated === true ? 'undated' : 'dated'}`), ['d-1 dated', 'd-2 undated', 'd-3 dated'])
  const verdictOf = async (key: string) => (await app.inject({ method: 'GET', url: `/v1/claims/${imported.results.find((r) => r.key === key)?.claimId}` })).json().currentVerdict
  t.equal((await verdictOf('d-1')).datePublished, '2019-10-30T12:00:00.000Z')
  t.equal((await verdictOf('d-2')).datePublished, null, 'no date: none stored, not the day of the import')
  t.equal((await verdictOf('d-3')).datePublished, '2018-05-04T00:00:00.000Z', 'from the mapped field')

  const csv = ['Ref,Statement,Rating,Link,By,Published', 'c-1,Dated by a CSV column.,true,https://factcheck.example.org/c-1,Example Check,2017-01-02T03:04:05Z'].join('\n')
  const fromCsv = await runImport(app, csv, 'csv', { columns: { Ref: 'id', Statement: 'text', Rating: 'verdictLabel', Link: 'reviewUrl', By: 'reviewer', Published: 'reviewDate' } })
  t.same(fromCsv.summary, { created: 1, updated: 0, unchanged: 0, rejected: 0, undated: 0 })
  t.equal((await app.inject({ method: 'GET', url: `/v1/claims/${fromCsv.results[0]?.claimId}` })).json().currentVerdict.datePublished, '2017-01-02T03:04:05.000Z', 'from the mapped CSV column')

  // Google-compatible search: maxAgeDays=1 finds none of these years-old or undated fact-checks.
  const recent = (await app.inject({ method: 'GET', url: '/v1alpha1/claims:search?query=dated&maxAgeDays=1', headers: anonymous })).json()
  t.same(recent, {}, 'nothing is new')
  const all = (await app.inject({ method: 'GET', url: '/v1alpha1/claims:search?query=dated&pageSize=10', headers: anonymous })).json()
  t.same(all.claims.map((c: { text: string, claimReview: Array<{ reviewDate?: string }> }) => `${c.text} ${c.claimReview[0]?.reviewDate ?? '(no date)'}`), [
    'Dated by reviewDate. 2019-10-30T12:00:00Z',
    'Dated by a mapped field. 2018-05-04T00:00:00Z',
    'Dated by a CSV column. 2017-01-02T03:04:05Z',
    'Dated by nothing at all. (no date)',
  ], 'newest first, the undated last, without a reviewDate')
  const [claimReview] = (await app.inject({ method: 'GET', url: `/v1/claims/${imported.results.find((r) => r.key === 'd-2')?.claimId}/claimreview`, headers: anonymous })).json()
  t.notOk('datePublished' in claimReview, 'ClaimReview leaves out the date it does not know')

  // A record imported again that now gives a verdict without a date: published undated, counted.
  const later = await runImport(app, row({ id: 'd-4', text: 'No verdict yet.' }), 'jsonl')
  t.same(later.summary, { created: 1, updated: 0, unchanged: 0, rejected: 0, undated: 0 })
  const verdictNow = await runImport(app, row({ id: 'd-4', text: 'No verdict yet.', verdictLabel: 'true', reviewUrl: 'https://factcheck.example.org/d-4' }), 'jsonl')
  t.same(verdictNow.summary, { created: 0, updated: 1, unchanged: 0, rejected: 0, undated: 1 })
  t.equal((await verdictOf('d-2')).datePublished, null)
  t.equal((await app.inject({ method: 'GET', url: `/v1/claims/${later.results[0]?.claimId}` })).json().currentVerdict.datePublished, null, 'published through the service, undated too')
})

t.test('labels: aliases of the scale, mappings of the import, and a scale per record from a field', async (t) => {
  const app = await build(t)
  const records = [
    row({ id: 'l-1', text: 'Barely true, said the old scale.', verdictLabel: 'barely-true', reviewUrl: 'https://factcheck.example.org/l-1' }),
    row({ id: 'l-2', text: 'Barely True, by label.', verdictLabel: 'Barely True', reviewUrl: 'https://factcheck.example.org/l-2' }),
    row({ id: 'l-3', text: 'A flop on trade.', verdictLabel: 'full-flop', meter: 'flip-o-meter', reviewUrl: 'https://factcheck.example.org/l-3' }),
    row({ id: 'l-4', text: 'Mapped by the import.', verdictLabel: 'Sort of', reviewUrl: 'https://factcheck.example.org/l-4' }),
    row({ id: 'l-5', text: 'On a scale that does not exist.', verdictLabel: 'true', meter: 'no-such-meter', reviewUrl: 'https://factcheck.example.org/l-5' }),
    row({ id: 'l-6', text: 'A half flip, on the default scale.', verdictLabel: 'half-flip', reviewUrl: 'https://factcheck.example.org/l-6' }),
  ].join('\n')
  const run = app.services.imports.importRecords(readRecords(Readable.from([records]), 'jsonl'), {
    organizationId: testOrganization(app).id, scale: 'truth-o-meter', map: { 'SORT OF': 'half-true' }, scaleColumn: 'meter',
  })
  const results: RowResult[] = []
  let summary: ImportSummary | undefined
  for (;;) {
    const next = await run.next()
    if (next.done) { summary = next.value; break }
    results.push(next.value)
  }
  t.match(summary, { created: 4, rejected: 2 })
  const rejected = Object.fromEntries(results.filter((r) => r.outcome === 'rejected').map((r) => [r.key, r.reason]))
  t.match(rejected, { 'l-5': 'meter: no rating scale "no-such-meter"', 'l-6': /"half-flip" is not a value of the rating scale truth-o-meter/ })
  const ratingOf = async (key: string) => (await app.inject({ method: 'GET', url: `/v1/claims/${results.find((r) => r.key === key)?.claimId}` })).json().currentVerdict.rating
  t.match(await ratingOf('l-1'), { scale: 'truth-o-meter', key: 'mostly-false', label: 'Mostly False' }, 'barely-true is the alias of mostly-false')
  t.match(await ratingOf('l-2'), { key: 'mostly-false' }, 'by the slug of the alias too')
  t.match(await ratingOf('l-3'), { scale: 'flip-o-meter', key: 'full-flop', label: 'Full Flop', verdict: 'not-checkable' }, 'the record\'s own scale')
  t.match(await ratingOf('l-4'), { key: 'half-true' }, 'mapped, ignoring case')
})

t.test('export -> import into an empty database -> export gives the same bytes, in every format', async (t) => {
  const source = await build(t)
  const target = await build(t)
  await runImport(source, dataset)
  // A claim made through the API, with no external id: its own id stands in.
  const made = await createClaim(source, { text: 'Made by hand.', topics: ['misc'] })
  for (const format of ['jsonl', 'csv', 'claimreview'] as const) {
    await t.test(format, async (t) => {
      const first = await runExport(source, format)
      const organization = (await target.services.organizations.ensure({ slug: `round-${format}` })).organization
      const imported = await runImport(target, first, format, { organizationId: organization.id })
      t.equal(imported.summary.rejected, 0, JSON.stringify(imported.results.filter((r) => r.outcome === 'rejected')))
      const second = await runExport(target, format, { organizationId: organization.id })
      t.equal(second, first)
      if (format === 'jsonl') {
        t.equal(first.trim().split('\n').length, 5)
        t.match(first, `"id":"${made.id}"`)
      }
      if (format === 'claimreview') t.equal(JSON.parse(first).length, 3, 'one ClaimReview per published verdict')
    })
  }
})

t.test('a record repeated in the same or a batch being written is found, not made twice; one claimant per name', async (t) => {
  const app = await build(t)
  const records = Array.from({ length: 12 }, (_, i) => row({ id: `r-${i % 4}`, text: `Claim ${i % 4}, take ${Math.floor(i / 4)}.`, claimant: `Person ${i % 3}`, verdictLabel: 'true', reviewUrl: `https://factcheck.example.org/${i % 4}` }))
  const { summary } = await runImport(app, records.join('\n'))
  t.same(summary, { created: 4, updated: 8, unchanged: 0, rejected: 0, undated: 4 })
  const exported = (await runExport(app, 'jsonl')).trim().split('\n').map((l) => JSON.parse(l) as { id: string, text: string })
  t.same(exported.map((r) => `${r.id}: ${r.text}`), ['r-0: Claim 0, take 2.', 'r-1: Claim 1, take 2.', 'r-2: Claim 2, take 2.', 'r-3: Claim 3, take 2.'])
  t.equal((await app.db.select({ n: count() }).from(claimants))[0]?.n, 3)
})

t.test('export filters: organisation, claimant, published only, updated since', async (t) => {
  const app = await build(t)
  await runImport(app, dataset)
  const lines = (text: string) => text.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { id: string })
  const orgId = testOrganization(app).id
  t.equal(lines(await runExport(app, 'jsonl', {})).length, 4)
  t.equal(lines(await runExport(app, 'jsonl', { organizationId: '00000000-0000-7000-8000-00000000ffff' })).length, 0)
  t.same(lines(await runExport(app, 'jsonl', { organizationId: orgId, claimant: 'sam-smith' })).map((r) => r.id), ['pf-9'])
  t.same(lines(await runExport(app, 'jsonl', { publishedOnly: true })).map((r) => r.id), ['pf-1', 'pf-2', 'pf-9'])
  t.equal(lines(await runExport(app, 'jsonl', { updatedSince: new Date(Date.now() + 60_000) })).length, 0)
  const [sam] = await app.db.select().from(claimants).where(eq(claimants.slug, 'sam-smith'))
  t.ok(sam, 'claimant slug made from the name')
})

t.test('a ClaimReview export is safe to inline in a <script> element, and the same data for a JSON parser', async (t) => {
  const app = await build(t)
  const text = '</script><script>alert(1)</script> <!-- a & b > c \u2028 end'
  // Written as \\u2028 in the JSON Lines file: a raw U+2028 would end the line there for the reader.
  const line = row({ id: 'x-1', text, claimant: `Jane ${text}`, verdictLabel: 'false', reviewUrl: 'https://factcheck.example.org/x?a=1&b=2', headline: text }).replace(/\u2028/g, '\\u2028')
  const imported = await runImport(app, line)
  t.same(imported.summary, { created: 1, updated: 0, unchanged: 0, rejected: 0, undated: 1 }, JSON.stringify(imported.results).replace(/[\u2028\u2029]/g, '?'))
  const exported = await runExport(app, 'claimreview')
  t.notOk(/[<>&\u2028\u2029]/.test(exported), 'no < > & U+2028 U+2029 in the file')
  t.match(printable(JSON.parse(exported)), printable([{ claimReviewed: text, headline: text, url: 'https://factcheck.example.org/x?a=1&b=2', itemReviewed: { author: { name: `Jane ${text}` } } }]))
})
