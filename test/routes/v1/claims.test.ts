// /v1/claims: create, read, list with paging, update, soft delete, and every validation rule.
import { eq } from 'drizzle-orm'
import t from 'tap'
import { claims } from '../../../src/db/schema.ts'
import { build, change, createClaimant, isProblem } from '../../helper.ts'

t.test('create -> read -> list -> update -> delete', async (t) => {
  const app = await build(t)
  const claimant = await createClaimant(app, { name: 'Donald Trump' })

  const created = await app.inject({
    method: 'POST',
    url: '/v1/claims',
    payload: { text: '  I can end the war in 24 hours.  ', claimantId: claimant.id, claimDate: '2023-05-10', language: 'EN-gb', topics: ['Ukraine', 'war', 'ukraine'] },
  })
  t.equal(created.statusCode, 201)
  const claim = created.json()
  t.equal(created.headers.location, `/v1/claims/${claim.id}`)
  t.match(claim, {
    text: 'I can end the war in 24 hours.',
    claimantId: claimant.id,
    claimant: { id: claimant.id, slug: 'donald-trump', name: 'Donald Trump' },
    claimDate: '2023-05-10',
    language: 'en-GB',
    topics: ['ukraine', 'war'],
    status: 'new',
    version: 1,
  })

  const read = await app.inject({ method: 'GET', url: `/v1/claims/${claim.id}` })
  t.equal(read.statusCode, 200)
  t.match(read.json(), { id: claim.id, claimant: { id: claimant.id, name: 'Donald Trump', sameAs: [] }, appearances: [], evidence: [] })

  const list = await app.inject({ method: 'GET', url: '/v1/claims' })
  t.equal(list.statusCode, 200)
  t.same(list.json().data.map((c: { id: string }) => c.id), [claim.id])
  t.equal(list.json().nextCursor, null)

  const updated = await change(app, 'PATCH', `/v1/claims/${claim.id}`, { status: 'researching', claimDate: null })
  t.equal(updated.statusCode, 200)
  t.match(updated.json(), { status: 'researching', claimDate: null, version: 2, text: 'I can end the war in 24 hours.' })
  t.ok(updated.json().updatedAt >= claim.updatedAt)

  const deleted = await change(app, 'DELETE', `/v1/claims/${claim.id}`)
  t.equal(deleted.statusCode, 204)
  t.equal(deleted.body, '')
  isProblem(t, await app.inject({ method: 'GET', url: `/v1/claims/${claim.id}` }), 404, 'not-found')
  isProblem(t, await app.inject({ method: 'PATCH', url: `/v1/claims/${claim.id}`, headers: { 'if-match': '*' }, payload: { status: 'new' } }), 404, 'not-found')
  isProblem(t, await app.inject({ method: 'DELETE', url: `/v1/claims/${claim.id}`, headers: { 'if-match': '*' } }), 404, 'not-found')
  t.same((await app.inject({ method: 'GET', url: '/v1/claims' })).json().data, [], 'gone from the list')

  const [kept] = await app.db.select().from(claims).where(eq(claims.id, claim.id))
  t.ok(kept, 'the row is still in the table')
  t.type(kept?.deletedAt, Date, 'marked deleted')
})
