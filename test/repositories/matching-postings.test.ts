// Claim matching's impact-ordered postings (migrations/0024): kept current by the claims' own writes, read weightiest
// first for each word, among the claims the reader may see, so that a word's cut never costs a reader its places.
import t from 'tap'
import type { FastifyInstance } from 'fastify'
import { sql } from 'drizzle-orm'
import { build, change, createClaim, createPublicClaim, testOrganization } from '../helper.ts'
import { queryRows } from '../../src/db/client.ts'
import { publicViewer, type Viewer } from '../../src/domain/access.ts'
import { createMatchingRepository } from '../../src/repositories/matching.ts'

async function candidates (app: FastifyInstance, text: string, limit: number, visibleTo: Viewer, perTerm?: number) {
  const rows = await createMatchingRepository(app.database.db).candidates({ text, language: 'en', limit, visibleTo },
    perTerm === undefined ? {} : { perTerm })
  return rows.map((r) => r.id)
}

/** A claim's postings: its lexemes and who may see them (null: everyone). */
async function postingsOf (app: FastifyInstance, id: string) {
  return queryRows<{ lexeme: string, privateTo: string | null }>(app.db, sql`
    select lexeme, private_to as "privateTo" from claim_match_postings where claim_id = ${id} order by lexeme`)
}

t.test("a claim's postings follow its writes: created, edited, published, deleted", async (t) => {
  const app = await build(t)
  const org = testOrganization(app).id
  const claim = await createClaim(app, { text: 'Zebras outnumber giraffes.' })
  t.same(await postingsOf(app, claim.id), [
    { lexeme: 'giraff', privateTo: org }, { lexeme: 'outnumb', privateTo: org }, { lexeme: 'zebra', privateTo: org },
  ], 'written with the claim, private to its organisation')
  t.same(await candidates(app, 'zebras', 5, { organizationId: org }), [claim.id], 'matchable at once by its organisation')
  t.same(await candidates(app, 'zebras', 5, publicViewer), [], 'and by no one else')
  t.equal((await change(app, 'PATCH', `/v1/claims/${claim.id}`, { text: 'Lions outnumber giraffes.' })).statusCode, 200)
  t.same((await postingsOf(app, claim.id)).map((p) => p.lexeme), ['giraff', 'lion', 'outnumb'], 'an edited text')
  t.same(await candidates(app, 'zebras', 5, { organizationId: org }), [], 'no longer matched by its old words')
  const published = await createPublicClaim(app, { text: 'Zebras are striped.' })
  t.ok((await postingsOf(app, published.id)).every((p) => p.privateTo === null), 'a published claim is public')
  t.same(await candidates(app, 'zebras', 5, publicViewer), [published.id], 'and matchable by everyone at once')
  t.equal((await change(app, 'DELETE', `/v1/claims/${claim.id}`)).statusCode, 204)
  t.same(await postingsOf(app, claim.id), [], 'a deleted claim has none')
})

t.test('the best claims of a word are cut among those the reader may see, weightiest first', async (t) => {
  const app = await build(t)
  const org = testOrganization(app).id
  // Short claims saying "tariffs" twice weigh most for it: the organisation's private ones.
  const hidden: string[] = []
  for (let i = 0; i < 5; i++) hidden.push((await createClaim(app, { text: `Tariffs, tariffs ${i}.` })).id)
  const shown: string[] = []
  for (const text of ['Tariffs rose on steel.', 'Tariffs rose on steel and aluminium imports.',
    'Tariffs rose on steel, aluminium, copper and timber imports from every country.']) {
    shown.push((await createPublicClaim(app, { text })).id)
  }
  // Each word contributes only its 2 weightiest claims here (PER_TERM in production): found among visible ones.
  t.same(await candidates(app, 'tariffs', 5, publicViewer, 2), shown.slice(0, 2),
    'a reader of public claims gets the 2 weightiest public claims, the shortest first')
  const own = await candidates(app, 'tariffs', 5, { organizationId: org }, 2)
  t.equal(own.length, 2, 'the owner gets 2 too')
  t.ok(own.every((id) => hidden.includes(id)), 'its private claims, which weigh most')
  t.same(await candidates(app, 'tariffs', 5, { organizationId: '00000000-0000-4000-8000-000000000000' }, 2), shown.slice(0, 2),
    "another organisation's private claims take no place")
})
