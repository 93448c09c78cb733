// An import's batch writer inserts a claim after its appearances (their link to the claim is checked at commit): the
// pages it makes findable still change the prefix list at once (migrations/0027), as a page added through the API
// does, so every API process builds its list again.
import { Readable } from 'node:stream'
import t from 'tap'
import { decodePrefixes, prefixHex } from '../../src/lib/prefix-list.ts'
import { canonicalizeUrl } from '../../src/lib/url-canonical.ts'
import { urlHash } from '../../src/lib/url-hash.ts'
import { readRecords } from '../../src/services/import-formats.ts'
import { build, testOrganization } from '../helper.ts'

t.test('a page added by an import is in the next prefix list', async (t) => {
  const app = await build(t)
  const list = async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/lookup/prefix-list', headers: { authorization: undefined } })
    t.equal(res.statusCode, 200, res.body)
    const body = res.json() as { version: string, prefixes: string }
    return { version: body.version, prefixes: decodePrefixes(body.prefixes).map((v) => prefixHex(v, 4)) }
  }
  const before = await list()
  const page = 'https://news.example.com/2026/imported-claim'
  const record = JSON.stringify({
    id: 'imp-1',
    text: 'The tunnel was finished two years early.',
    claimant: 'Jane Doe',
    claimDate: '2026-01-02',
    appearances: [{ url: page, title: 'A speech', isFirstAppearance: true }],
    verdictLabel: 'false',
    reviewUrl: 'https://factcheck.example.org/tunnel',
    reviewer: 'Example Fact Check',
  })
  const run = app.services.imports.importRecords(readRecords(Readable.from([record]), 'jsonl', {}), {
    organizationId: testOrganization(app).id, scale: 'truth-o-meter', batchSize: 10, concurrency: 1,
  })
  for (let next = await run.next(); !next.done; next = await run.next()) t.equal(next.value.outcome, 'created')

  const after = await list()
  const prefix = urlHash(canonicalizeUrl(page) ?? page).slice(0, 8)
  t.notOk(before.prefixes.includes(prefix), 'not listed before the import')
  t.not(after.version, before.version, 'a new version')
  t.ok(after.prefixes.includes(prefix), 'the imported page is listed')
})
