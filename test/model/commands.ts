// The commands of the model test: each one makes one request as one organisation, works out from the model alone
// what the answer must be, applies it to the model, and then checks the app against the model.
import assert from 'node:assert/strict'
import type { LightMyRequestResponse } from 'fastify'
import fc from 'fast-check'
import {
  addRevisions,
  currentReview,
  etagCovers,
  followVerdict,
  newClaim,
  shownReview,
  otherOrg,
  pick,
  prefer,
  refusal,
  target,
  type ChildModel,
  type ClaimModel,
  type Model,
  type Org,
  type ReviewModel,
} from './model.ts'
import { count, expectStatus, ownerEtag, ownerSnapshot, send, verify, type System } from './system.ts'

type Command = fc.AsyncCommand<Model, System>
type Writer = 'owner' | 'other'
type IfMatch = 'fresh' | 'remembered' | 'none'
type ChildKind = 'appearances' | 'evidence'

const writerOf = (claim: ClaimModel, writer: Writer): Org => writer === 'owner' ? claim.owner : otherOrg(claim.owner)
/** The other organisation aims mostly at public claims, where it is refused with 403 rather than 404. */
const aimedBy = (writer: Writer) => (claim: ClaimModel) => writer === 'owner' || claim.isPublic
const claimUrl = (claim: ClaimModel) => `/v1/claims/${claim.id}`

/**
 * Sends a write whose answer the model predicts. A refusal must change nothing the owner can read (the claim with its
 * ETag, its history, its reviews); a success is applied to the model. Then the app is checked against the model.
 */
async function attempt (system: System, model: Model, claim: ClaimModel, label: string, expected: number,
  request: () => Promise<LightMyRequestResponse>, apply: (res: LightMyRequestResponse) => void) {
  const before = expected >= 400 ? await ownerSnapshot(system, claim) : null
  const res = await request()
  expectStatus(res, expected, label)
  if (before) assert.deepEqual(await ownerSnapshot(system, claim), before, `${label}: refused with ${expected}, and nothing changed`)
  else apply(res)
  count(system.stats, `${label.split(' ')[0]} ${expected}`)
  await verify(system, model, [claim])
}

class CreateClaim implements Command {
  readonly org: Org
  readonly text: string
  readonly status: 'new' | 'researching' | 'archived'
  constructor (org: Org, text: string, status: 'new' | 'researching' | 'archived') {
    this.org = org
    this.text = text
    this.status = status
  }

  // At most two live claims at a time, so that a run goes deep into each (several verdicts, retractions, stale ETags).
  check = (model: Readonly<Model>) => model.claims.filter((c) => !c.deleted).length < 2
  async run (model: Model, system: System) {
    const res = await send(system, this.org, { method: 'POST', url: '/v1/claims', payload: { text: this.text, topics: [system.marker], status: this.status } })
    expectStatus(res, 201, 'create-claim')
    const body = res.json()
    const claim = newClaim(body.id, this.org, this.text, this.status)
    model.claims.push(claim)
    count(system.stats, 'create-claim 201')
    await verify(system, model, [claim])
  }

  toString = () => `CreateClaim(${this.org}, ${JSON.stringify(this.text)}, ${this.status})`
}

class UpdateClaim implements Command {
  readonly index: number
  readonly writer: Writer
  readonly patch: { text: string } | { status: 'new' | 'researching' | 'archived' }
  readonly ifMatch: IfMatch
  constructor (index: number, writer: Writer, patch: { text: string } | { status: 'new' | 'researching' | 'archived' }, ifMatch: IfMatch) {
    this.index = index
    this.writer = writer
    this.patch = patch
    this.ifMatch = ifMatch
  }

  /** A status other than `archived` aims at a reviewed claim, where the verdict forbids it. */
  private readonly claimOf = (model: Readonly<Model>) => target(model, this.index,
    (c) => this.ifMatch !== 'remembered' || c.remembered !== null,
    (c) => aimedBy(this.writer)(c) && (!('status' in this.patch) || this.patch.status === 'archived' || c.status === 'reviewed'))

  check = (model: Readonly<Model>) => this.claimOf(model) !== undefined
  async run (model: Model, system: System) {
    const claim = this.claimOf(model)
    assert.ok(claim)
    const writer = writerOf(claim, this.writer)
    const stale = this.ifMatch === 'remembered' && claim.remembered?.covers !== etagCovers(claim)
    const demoted = 'status' in this.patch && this.patch.status !== 'archived' && currentReview(claim) !== null
    const expected = refusal(claim, writer) ?? (this.ifMatch === 'none' ? 428 : stale ? 412 : demoted ? 409 : 200)
    const etag = this.ifMatch === 'remembered' ? claim.remembered?.etag : this.ifMatch === 'fresh' ? await ownerEtag(system, claim, claimUrl(claim)) : undefined
    await attempt(system, model, claim, `update-claim (${this.ifMatch} If-Match, as ${writer})`, expected,
      () => send(system, writer, { method: 'PATCH', url: claimUrl(claim), payload: this.patch, headers: etag === undefined ? {} : { 'if-match': etag } }),
      (res) => {
        if ('text' in this.patch) claim.text = this.patch.text
        else claim.status = this.patch.status
        claim.version++
        addRevisions(claim, 1)
        assert.equal(res.json().version, claim.version, 'update-claim: the new version')
      })
  }

  toString = () => `UpdateClaim(#${this.index}, ${this.writer}, ${JSON.stringify(this.patch)}, ${this.ifMatch})`
}

/** The owner reads the claim and keeps its ETag, to send it later when it may have gone stale. */
class RememberEtag implements Command {
  readonly index: number
  constructor (index: number) {
    this.index = index
  }

  private readonly claimOf = (model: Readonly<Model>) => target(model, this.index, (c) => !c.deleted)
  check = (model: Readonly<Model>) => this.claimOf(model) !== undefined
  async run (model: Model, system: System) {
    const claim = this.claimOf(model)
    assert.ok(claim)
    const res = await send(system, claim.owner, { method: 'GET', url: claimUrl(claim) })
    expectStatus(res, 200, 'remember-etag')
    assert.equal(typeof res.headers.etag, 'string', 'remember-etag: an ETag')
    claim.remembered = { etag: String(res.headers.etag), covers: etagCovers(claim) }
    count(system.stats, 'remember-etag 200')
    await verify(system, model, [])
  }

  toString = () => `RememberEtag(#${this.index})`
}

class DeleteClaim implements Command {
  readonly index: number
  readonly writer: Writer
  constructor (index: number, writer: Writer) {
    this.index = index
    this.writer = writer
  }

  private readonly claimOf = (model: Readonly<Model>) => target(model, this.index, undefined, aimedBy(this.writer))
  // A run keeps a live claim: the rest of its commands would otherwise only meet 404s.
  check = (model: Readonly<Model>) => model.claims.filter((c) => !c.deleted).length > 1
  async run (model: Model, system: System) {
    const claim = this.claimOf(model)
    assert.ok(claim)
    const writer = writerOf(claim, this.writer)
    const etag = await ownerEtag(system, claim, claimUrl(claim))
    await attempt(system, model, claim, `delete-claim (as ${writer})`, refusal(claim, writer) ?? 204,
      () => send(system, writer, { method: 'DELETE', url: claimUrl(claim), headers: { 'if-match': etag } }),
      () => {
        claim.deleted = true
        claim.version++
        addRevisions(claim, 1)
      })
  }

  toString = () => `DeleteClaim(#${this.index}, ${this.writer})`
}

class DraftReview implements Command {
  readonly index: number
  readonly writer: Writer
  readonly rating: string
  readonly publishable: boolean
  constructor (index: number, writer: Writer, rating: string, publishable: boolean) {
    this.index = index
    this.writer = writer
    this.rating = rating
    this.publishable = publishable
  }

  private readonly claimOf = (model: Readonly<Model>) => target(model, this.index, undefined, aimedBy(this.writer))
  check = (model: Readonly<Model>) => this.claimOf(model) !== undefined
  async run (model: Model, system: System) {
    const claim = this.claimOf(model)
    assert.ok(claim)
    const writer = writerOf(claim, this.writer)
    const payload = {
      ratingScale: 'truth-o-meter',
      rating: this.rating,
      ...(this.publishable && { ratingExplanation: 'Checked.', url: 'https://factcheck.example.org/check', author: { name: 'Example Fact Check' } }),
    }
    await attempt(system, model, claim, `draft-review (as ${writer})`, refusal(claim, writer) ?? 201,
      () => send(system, writer, { method: 'POST', url: `${claimUrl(claim)}/reviews`, payload }),
      (res) => {
        const body = res.json()
        assert.equal(body.status, 'draft', 'draft-review: a new review is a draft')
        claim.reviews.push({ id: body.id, status: 'draft', rating: this.rating, publishable: this.publishable, publishedAt: null, retractedAt: null })
        addRevisions(claim, 1, true)
      })
  }

  toString = () => `DraftReview(#${this.index}, ${this.writer}, ${this.rating}, ${this.publishable ? 'publishable' : 'incomplete'})`
}

/** Publishes or retracts one of the claim's reviews, whatever its state: the model says which transitions hold. */
class ReviewTransition implements Command {
  /** `wrong` aims at a review the transition does not suit (a published one to publish, an incomplete draft). */
  readonly action: 'publish' | 'retract'
  readonly index: number
  readonly review: number
  readonly writer: Writer
  readonly wrong: boolean
  constructor (action: 'publish' | 'retract', index: number, review: number, writer: Writer, wrong: boolean) {
    this.action = action
    this.index = index
    this.review = review
    this.writer = writer
    this.wrong = wrong
  }

  /** The status the review must have (a getter: field initialisers run before parameter properties are set). */
  private get from (): ReviewModel['status'] { return this.action === 'publish' ? 'draft' : 'published' }
  private readonly needs = (claim: ClaimModel) => claim.reviews.length > 0
  /** A review that the transition suits: a publishable draft to publish, a published review to retract. */
  private readonly suits = (review: ReviewModel) => review.status === this.from && (this.action === 'retract' || review.publishable)
  private readonly aimed = (review: ReviewModel) => this.suits(review) !== this.wrong
  private readonly ready = (claim: ClaimModel) => claim.reviews.some(this.aimed) && aimedBy(this.writer)(claim)
  check = (model: Readonly<Model>) => target(model, this.index, this.needs, this.ready, true) !== undefined
  async run (model: Model, system: System) {
    const claim = target(model, this.index, this.needs, this.ready, true)
    const from = this.from
    const review = claim && prefer(claim.reviews, this.review, this.aimed)
    assert.ok(claim && review)
    const writer = writerOf(claim, this.writer)
    const expected = refusal(claim, writer) ?? (review.status !== from ? 409 : this.action === 'publish' && !review.publishable ? 422 : 200)
    const url = `${claimUrl(claim)}/reviews/${review.id}`
    const etag = await ownerEtag(system, claim, url)
    await attempt(system, model, claim, `${this.action}-review (${review.status}, as ${writer})`, expected,
      () => send(system, writer, {
        method: 'POST',
        url: `${url}/${this.action}`,
        headers: { 'if-match': etag },
        ...(this.action === 'retract' && { payload: { reason: 'Wrong.' } }),
      }),
      (res) => {
        const before = shownReview(claim)
        review.status = this.action === 'publish' ? 'published' : 'retracted'
        if (this.action === 'publish') review.publishedAt = ++model.tick
        else review.retractedAt = ++model.tick
        assert.equal(res.json().status, review.status, `${this.action}-review: the new status`)
        addRevisions(claim, 1)
        followVerdict(claim, before)
      })
  }

  toString = () => `${this.action === 'publish' ? 'Publish' : 'Retract'}Review(#${this.index}, review #${this.review}, ${this.writer}${this.wrong ? ', wrong' : ''})`
}

class AddChild implements Command {
  readonly kind: ChildKind
  readonly index: number
  readonly writer: Writer
  readonly isFirst: boolean
  constructor (kind: ChildKind, index: number, writer: Writer, isFirst: boolean) {
    this.kind = kind
    this.index = index
    this.writer = writer
    this.isFirst = isFirst
  }

  private readonly claimOf = (model: Readonly<Model>) => target(model, this.index, undefined, aimedBy(this.writer))
  check = (model: Readonly<Model>) => this.claimOf(model) !== undefined
  async run (model: Model, system: System) {
    const claim = this.claimOf(model)
    assert.ok(claim)
    const writer = writerOf(claim, this.writer)
    const payload = this.kind === 'appearances'
      ? { url: 'https://news.example.org/said', medium: 'article', isFirstAppearance: this.isFirst }
      : { url: 'https://data.example.org/source', stance: 'refutes' }
    await attempt(system, model, claim, `add-${this.kind} (as ${writer})`, refusal(claim, writer) ?? 201,
      () => send(system, writer, { method: 'POST', url: `${claimUrl(claim)}/${this.kind}`, payload }),
      (res) => {
        const child: ChildModel = { id: res.json().id, isFirstAppearance: this.kind === 'appearances' && this.isFirst }
        // Marking a first appearance unmarks the previous one, on the record.
        for (const other of claim[this.kind]) {
          if (child.isFirstAppearance && other.isFirstAppearance) {
            other.isFirstAppearance = false
            addRevisions(claim, 1)
          }
        }
        claim[this.kind].push(child)
        addRevisions(claim, 1)
      })
  }

  toString = () => `Add${this.kind === 'appearances' ? 'Appearance' : 'Evidence'}(#${this.index}, ${this.writer}${this.kind === 'appearances' ? `, first: ${this.isFirst}` : ''})`
}

class RemoveChild implements Command {
  readonly kind: ChildKind
  readonly index: number
  readonly child: number
  readonly writer: Writer
  constructor (kind: ChildKind, index: number, child: number, writer: Writer) {
    this.kind = kind
    this.index = index
    this.child = child
    this.writer = writer
  }

  private readonly needs = (claim: ClaimModel) => claim[this.kind].length > 0
  check = (model: Readonly<Model>) => target(model, this.index, this.needs, aimedBy(this.writer), true) !== undefined
  async run (model: Model, system: System) {
    const claim = target(model, this.index, this.needs, aimedBy(this.writer), true)
    const child = claim && pick(claim[this.kind], this.child)
    assert.ok(claim && child)
    const writer = writerOf(claim, this.writer)
    const url = `${claimUrl(claim)}/${this.kind}/${child.id}`
    const etag = await ownerEtag(system, claim, url)
    await attempt(system, model, claim, `remove-${this.kind} (as ${writer})`, refusal(claim, writer) ?? 204,
      () => send(system, writer, { method: 'DELETE', url, headers: { 'if-match': etag } }),
      () => {
        claim[this.kind] = claim[this.kind].filter((c) => c.id !== child.id)
        addRevisions(claim, 1)
      })
  }

  toString = () => `Remove${this.kind === 'appearances' ? 'Appearance' : 'Evidence'}(#${this.index}, #${this.child}, ${this.writer})`
}

const index = fc.nat({ max: 999 })
/** Mostly the owner writes; now and then the other organisation tries. */
const writer = fc.oneof({ arbitrary: fc.constant<Writer>('owner'), weight: 3 }, { arbitrary: fc.constant<Writer>('other'), weight: 1 })
const text = fc.array(fc.constantFrom('the', 'moon', 'is', 'made', 'of', 'cheese', 'café', 'Ελλάδα', '𝔘nicode'), { minLength: 1, maxLength: 6 })
  .map((words) => words.join(' '))
const editableStatus = fc.constantFrom<'new' | 'researching' | 'archived'>('new', 'researching', 'archived')
const rating = fc.constantFrom('true', 'mostly-true', 'half-true', 'mostly-false', 'false', 'pants-fire')
const childKind = fc.constantFrom<ChildKind>('appearances', 'evidence')

const createClaim = fc.tuple(fc.constantFrom<Org>('a', 'b'), text, editableStatus).map(([org, t, s]) => new CreateClaim(org, t, s))
const updateClaim = fc
  .tuple(
    index,
    writer,
    fc.oneof(
      text.map((t) => ({ text: t })),
      editableStatus.map((s) => ({ status: s }))
    ),
    fc.constantFrom<IfMatch>('fresh', 'fresh', 'fresh', 'remembered', 'remembered', 'none')
  )
  .map(([i, w, p, m]) => new UpdateClaim(i, w, p, m))
const draftReview = fc.tuple(index, writer, rating, fc.nat(3)).map(([i, w, r, p]) => new DraftReview(i, w, r, p > 0))
const transition = (action: 'publish' | 'retract') => fc.tuple(index, index, writer, fc.nat(5))
  .map(([i, r, w, wrong]) => new ReviewTransition(action, i, r, w, wrong === 0))
const addChild = fc.tuple(childKind, index, writer, fc.boolean()).map(([k, i, w, f]) => new AddChild(k, i, w, f))

/** Every command; those listed twice come twice as often. Deleting, which ends a claim's story, comes least. */
export const commandArbitraries: Array<fc.Arbitrary<Command>> = [
  createClaim,
  updateClaim, updateClaim, updateClaim,
  index.map((i) => new RememberEtag(i)),
  fc.tuple(index, writer).map(([i, w]) => new DeleteClaim(i, w)),
  draftReview, draftReview, draftReview,
  transition('publish'), transition('publish'), transition('publish'), transition('publish'),
  transition('retract'), transition('retract'),
  addChild, addChild,
  fc.tuple(childKind, index, index, writer).map(([k, i, c, w]) => new RemoveChild(k, i, c, w)),
]
