// The real side of the model test: the app, an admin key of each of two organisations, and the checks that hold it
// against the model after every command (lists, reads, histories and review lists as each viewer sees them).
import assert from 'node:assert/strict'
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify'
import { anonymous, bearer, collectPages } from '../helper.ts'
import { canRead, canReadHistory, etagCovers, expectedChildren, expectedReviews, expectedView, viewers, type ClaimModel, type Model, type Viewer } from './model.ts'

export interface System {
  app: FastifyInstance
  keys: Record<'a' | 'b', string>
  /** A topic only this run's claims carry, so that lists can be narrowed to them. */
  marker: string
  stats: Stats
}

/** What the campaign did: commands run and the answers they expected, e.g. `update-claim 412`. */
export interface Stats { commands: number, outcomes: Map<string, number> }

export const newStats = (): Stats => ({ commands: 0, outcomes: new Map() })

export function count (stats: Stats, what: string) {
  stats.commands++
  stats.outcomes.set(what, (stats.outcomes.get(what) ?? 0) + 1)
}

export const headersOf = (system: System, viewer: Viewer): Record<string, string | undefined> =>
  viewer === 'anonymous' ? anonymous : bearer(system.keys[viewer])

export const send = (system: System, viewer: Viewer, request: InjectOptions): Promise<LightMyRequestResponse> =>
  system.app.inject({ ...request, headers: { ...request.headers, ...headersOf(system, viewer) } })

/** Expects a status, showing the body when it differs. */
export function expectStatus (res: LightMyRequestResponse, status: number, what: string) {
  assert.equal(res.statusCode, status, `${what}: expected ${status}, got ${res.statusCode} ${res.body.slice(0, 300)}`)
}

/** The current ETag of a resource as its owner reads it, or a made-up one when it cannot be read (a deleted claim). */
export async function ownerEtag (system: System, claim: ClaimModel, url: string): Promise<string> {
  const res = await send(system, claim.owner, { method: 'GET', url })
  return res.statusCode === 200 && typeof res.headers.etag === 'string' ? res.headers.etag : '"1"'
}

/** Everything the owner reads of a claim, byte for byte: to prove that a refused write changed nothing. */
export async function ownerSnapshot (system: System, claim: ClaimModel): Promise<string[]> {
  const urls = [`/v1/claims/${claim.id}`, `/v1/claims/${claim.id}/history?limit=100`, `/v1/claims/${claim.id}/reviews?limit=100`]
  return Promise.all(urls.map(async (url) => {
    const res = await send(system, claim.owner, { method: 'GET', url })
    // A problem names the request that got it; that differs from one read to the next.
    const body = res.statusCode === 200 ? res.body : JSON.stringify({ ...res.json(), requestId: undefined })
    return `${url} ${res.statusCode} ${res.headers.etag ?? ''} ${body}`
  }))
}

interface ClaimBody {
  id: string
  text: string
  version: number
  status: string
  currentVerdict: { reviewId: string, rating: { key: string } } | null
  retraction: { reviewId: string } | null
}

const viewOf = (body: ClaimBody) => ({
  id: body.id,
  text: body.text,
  version: body.version,
  status: body.status,
  verdict: body.currentVerdict && { reviewId: body.currentVerdict.reviewId, rating: body.currentVerdict.rating.key },
  retraction: body.retraction && body.retraction.reviewId,
})

/** Each viewer's list of this run's claims holds exactly the claims it may read, each as the model has it. */
async function checkLists (system: System, model: Model) {
  await Promise.all(viewers.map(async (viewer) => {
    const res = await send(system, viewer, { method: 'GET', url: `/v1/claims?topic=${system.marker}&limit=100` })
    expectStatus(res, 200, `list as ${viewer}`)
    const listed = (res.json().data as ClaimBody[]).map(viewOf).sort((x, y) => x.id.localeCompare(y.id))
    const expected = model.claims
      .filter((c) => canRead(c, viewer))
      .map(expectedView)
      .sort((x, y) => x.id.localeCompare(y.id))
    assert.deepEqual(listed, expected, `the claims ${viewer} lists`)
  }))
}

/** One claim as each viewer reads it: the claim, its history and its reviews. */
async function checkClaim (system: System, claim: ClaimModel) {
  const url = `/v1/claims/${claim.id}`
  await Promise.all(viewers.map(async (viewer) => {
    const who = `claim ${claim.id} (${claim.owner}'s) as ${viewer}`
    const [detail, reviews] = await Promise.all([
      send(system, viewer, { method: 'GET', url }),
      send(system, viewer, { method: 'GET', url: `${url}/reviews?limit=100` }),
    ])
    if (!canRead(claim, viewer)) {
      expectStatus(detail, 404, `GET ${who}`)
      expectStatus(reviews, 404, `reviews of ${who}`)
    } else {
      expectStatus(detail, 200, `GET ${who}`)
      const body = detail.json()
      assert.deepEqual(viewOf(body), expectedView(claim), `GET ${who}`)
      // One ETag for each state of what it covers, and never the same one for two states.
      const etag = String(detail.headers.etag)
      const covers = etagCovers(claim)
      const known = claim.etags.get(covers) ?? etag
      assert.equal(etag, known, `ETag of ${who}: the same state as before, the same ETag`)
      const states = [...claim.etags].filter(([c, e]) => e === etag && c !== covers)
      assert.deepEqual(states, [], `ETag of ${who}: ${etag} also named another state`)
      claim.etags.set(covers, etag)
      assert.deepEqual({
        appearances: (body.appearances as Array<{ id: string, isFirstAppearance: boolean }>)
          .map(({ id, isFirstAppearance }) => ({ id, isFirstAppearance })).sort((x, y) => x.id.localeCompare(y.id)),
        evidence: (body.evidence as Array<{ id: string }>).map((e) => e.id).sort(),
      }, expectedChildren(claim), `appearances and evidence of ${who}`)
      expectStatus(reviews, 200, `reviews of ${who}`)
      const listed = (reviews.json().data as Array<{ id: string, status: string }>)
        .map(({ id, status }) => ({ id, status })).sort((x, y) => x.id.localeCompare(y.id))
      assert.deepEqual(listed, expectedReviews(claim, viewer), `reviews of ${who}`)
    }
    if (!canReadHistory(claim, viewer)) {
      expectStatus(await send(system, viewer, { method: 'GET', url: `${url}/history` }), 404, `history of ${who}`)
    } else {
      const { items } = await collectPages(system.app, `${url}/history`, 100, headersOf(system, viewer))
      const expected = claim.owner === viewer ? claim.revisions : claim.publicRevisions
      assert.equal(items.length, expected, `history length of ${who}`)
    }
  }))
}

/** Holds the app against the model: every viewer's list of the run's claims, and the claims a command touched. */
export async function verify (system: System, model: Model, touched: ClaimModel[]) {
  await checkLists(system, model)
  for (const claim of touched) await checkClaim(system, claim)
}

/** Every claim of the run, as at the end of a run. */
export const verifyAll = (system: System, model: Model) => verify(system, model, model.claims)
