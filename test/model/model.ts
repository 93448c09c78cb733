// The in-memory model of the claim workflow the stateful test drives: who owns each claim, who may see it, its
// version, status and current verdict, and how many revisions its history shows. Written from the API's documented
// rules, not from the services, so that a change of behaviour shows up as a disagreement.

export type Org = 'a' | 'b'
/** Who reads: an admin of either organisation, or a caller with no key. */
export type Viewer = Org | 'anonymous'
export const viewers: Viewer[] = ['a', 'b', 'anonymous']

export type ReviewStatus = 'draft' | 'published' | 'retracted'
export type ClaimStatus = 'new' | 'researching' | 'reviewed' | 'archived' | 'retracted'

export interface ReviewModel {
  id: string
  status: ReviewStatus
  /** The rating key on the truth-o-meter scale. */
  rating: string
  /** Whether it has what publication needs (url, author, explanation). */
  publishable: boolean
  /** When it was published, as a position in the run; the latest published one is the verdict. */
  publishedAt: number | null
  /** When it was retracted, as a position in the run. */
  retractedAt: number | null
}

export interface ChildModel { id: string, isFirstAppearance: boolean }

export interface ClaimModel {
  id: string
  owner: Org
  deleted: boolean
  isPublic: boolean
  version: number
  status: ClaimStatus
  text: string
  reviews: ReviewModel[]
  appearances: ChildModel[]
  evidence: ChildModel[]
  /** Revisions the owner sees in the history, and those everyone else sees (no draft working copies). */
  revisions: number
  publicRevisions: number
  /** An ETag the owner read earlier, and what it covered then: still current only while that is unchanged. */
  remembered: { etag: string, covers: string } | null
  /** The ETag the app gave for each state of what it covers: one ETag per state, another for every other state. */
  etags: Map<string, string>
}

export interface Model {
  claims: ClaimModel[]
  /** A clock for publication order. */
  tick: number
}

/** A claim just created: version 1, private to its organisation, one revision. */
export const newClaim = (id: string, owner: Org, text: string, status: ClaimStatus): ClaimModel => ({
  id,
  owner,
  deleted: false,
  isPublic: false,
  version: 1,
  status,
  text,
  reviews: [],
  appearances: [],
  evidence: [],
  revisions: 1,
  publicRevisions: 1,
  remembered: null,
  etags: new Map(),
})

export const emptyModel = (): Model => ({ claims: [], tick: 0 })

/** Picks an element by an index drawn before the model existed. */
export function pick<T> (items: readonly T[], index: number): T | undefined {
  return items.length === 0 ? undefined : items[index % items.length]
}

/** Picks mostly among the items a command would succeed on; one time in four among all of them. */
export function prefer<T> (items: readonly T[], index: number, good: (item: T) => boolean): T | undefined {
  const fitting = items.filter(good)
  return pick(index % 4 === 0 || fitting.length === 0 ? items : fitting, Math.floor(index / 4))
}

/**
 * The claim a command works on, among those it needs (with reviews, say): mostly a live one that is `ready` for it
 * (with a draft to publish, say), else (unless `strict`) a live one; one time in eight any, deleted ones too.
 */
export function target (model: Readonly<Model>, index: number, needs: (claim: ClaimModel) => boolean = () => true,
  ready: (claim: ClaimModel) => boolean = () => true, strict = false): ClaimModel | undefined {
  const candidates = model.claims.filter(needs)
  const live = candidates.filter((c) => !c.deleted)
  const fitting = live.filter(ready)
  const pool =
    index % 8 === 0 ? candidates : strict ? fitting : ([fitting, live, candidates].find((p) => p.length > 0) ?? [])
  return pick(pool, Math.floor(index / 8))
}

export const otherOrg = (org: Org): Org => (org === 'a' ? 'b' : 'a')

/** Whether a viewer gets the claim (GET, list): live and public, or live and its own. */
export const canRead = (claim: ClaimModel, viewer: Viewer) =>
  !claim.deleted && (claim.isPublic || claim.owner === viewer)

/** Whether a viewer gets the claim's history: the owner always, others once it is public, deleted or not. */
export const canReadHistory = (claim: ClaimModel, viewer: Viewer) => claim.isPublic || claim.owner === viewer

/**
 * What a write under the claim answers before looking at the request: 404 for a deleted claim or another
 * organisation's private one, 403 for another organisation's public one; null when the writer may go on.
 */
export function refusal (claim: ClaimModel, writer: Org): 403 | 404 | null {
  if (claim.deleted) return 404
  if (claim.owner !== writer) return claim.isPublic ? 403 : 404
  return null
}

/** The current verdict: the most recently published review still published. */
export function currentReview (claim: ClaimModel): ReviewModel | null {
  let latest: ReviewModel | null = null
  for (const review of claim.reviews) {
    if (review.status !== 'published' || review.publishedAt === null) continue
    if (latest === null || (latest.publishedAt ?? 0) < review.publishedAt) latest = review
  }
  return latest
}

/** What the claim shows: its current verdict, or with none, its latest retracted review (shown as retracted). */
export function shownReview (claim: ClaimModel): ReviewModel | null {
  const current = currentReview(claim)
  if (current) return current
  let latest: ReviewModel | null = null
  for (const review of claim.reviews) {
    if (review.status !== 'retracted' || review.retractedAt === null) continue
    if (latest === null || (latest.retractedAt ?? 0) < review.retractedAt) latest = review
  }
  return latest
}

/** Records revisions: `hidden` ones (a review that stays a draft) are shown to the owner only. */
export function addRevisions (claim: ClaimModel, count: number, hidden = false) {
  claim.revisions += count
  if (!hidden) claim.publicRevisions += count
}

/**
 * After a review is published or retracted: the claim follows its latest published review (verdict, `reviewed`
 * status, public for good), or with none left its latest retraction (`retracted` when it was `reviewed`). When
 * anything of that changes, the claim gets a new version and a revision. `before`: the review it showed.
 */
export function followVerdict (claim: ClaimModel, before: ReviewModel | null) {
  const after = shownReview(claim)
  const published = after?.status === 'published'
  const status: ClaimStatus = published
    ? 'reviewed'
    : after ? (claim.status === 'reviewed' ? 'retracted' : claim.status) : claim.status === 'reviewed' || claim.status === 'retracted' ? 'researching' : claim.status
  const isPublic = claim.isPublic || published
  if (after?.id === before?.id && status === claim.status && isPublic === claim.isPublic) return
  claim.status = status
  claim.isPublic = isPublic
  claim.version++
  addRevisions(claim, 1)
}

/**
 * What the claim's ETag covers: the claim's version and what its detail embeds (appearances, evidence, verdict). A
 * change that is undone (evidence added, then removed) brings back the same representation, and so the same ETag.
 */
export const etagCovers = (claim: ClaimModel) => JSON.stringify({
  version: claim.version,
  ...expectedChildren(claim),
  verdict: shownReview(claim)?.id ?? null,
})

/** What a claim looks like in the API's terms, for comparison with a response. */
export function expectedView (claim: ClaimModel) {
  const verdict = currentReview(claim)
  const shown = shownReview(claim)
  return {
    id: claim.id,
    text: claim.text,
    version: claim.version,
    status: claim.status,
    verdict: verdict && { reviewId: verdict.id, rating: verdict.rating },
    retraction: shown?.status === 'retracted' ? shown.id : null,
  }
}

/** What a claim detail shows of its children, for comparison with a response. */
export function expectedChildren (claim: ClaimModel) {
  const byId = (a: ChildModel, b: ChildModel) => a.id.localeCompare(b.id)
  return {
    appearances: [...claim.appearances].sort(byId),
    evidence: claim.evidence.map((e) => e.id).sort(),
  }
}

/** The reviews a viewer lists: all of the owner's, only published and retracted ones for everyone else. */
export function expectedReviews (claim: ClaimModel, viewer: Viewer) {
  return claim.reviews
    .filter((r) => claim.owner === viewer || r.status !== 'draft')
    .map((r) => ({ id: r.id, status: r.status }))
    .sort((x, y) => x.id.localeCompare(y.id))
}
