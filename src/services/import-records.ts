// Reading an import record: each is checked with the API's own schemas (handed in by the root as RecordChecks) and
// turned into what the API would have been sent (claimant, claim, appearances, a published review on a rating scale),
// or rejected with the reason.
import { v7 as uuidv7 } from 'uuid'
import type { RatingScaleRow } from '../db/schema.ts'
import type { CreateAppearance, CreateClaim, CreateClaimant, CreateReview } from '../domain/inputs.ts'
import { slugify } from '../lib/text/slug.ts'
import { FlatRecordSchema } from './import-formats.ts'
import { missingForPublication } from './review-lifecycle.ts'

/** A record checked and turned into what the API would have been sent. */
export interface Prepared {
  /** The id of the claim, if it is new: made in the order of the records, so that ids (and exports) keep that order. */
  id: string
  line: number
  record: unknown
  key: string
  externalId: string | null
  claimant: CreateClaimant | null
  claim: Omit<CreateClaim, 'claimantId' | 'status'>
  appearances: CreateAppearance[]
  review: (CreateReview & { datePublished: Date | null, scale: RatingScaleRow }) | null
}

/** A record that cannot be imported; the message says why. */
export class Rejected extends Error {}

/** A check's answer, in the shape of zod's `safeParse`. */
type Checked<T> =
  | { success: true; data: T }
  | { success: false; error: { issues: ReadonlyArray<{ path: readonly PropertyKey[]; message: string }> } }
type Check<T> = (value: unknown) => Checked<T>

/** How each part of a record is checked: as the API's request bodies would check it (src/schemas/import-records.ts). */
export interface RecordChecks {
  /** A claim as POST /v1/claims takes it, less the claimant (matched by name) and the status (from the verdict). */
  claim: Check<Omit<CreateClaim, 'claimantId' | 'status'>>
  claimant: Check<CreateClaimant>
  appearance: Check<CreateAppearance>
  review: Check<CreateReview>
  timestamp: Check<Date>
}

const issues = (error: { issues: ReadonlyArray<{ path: readonly PropertyKey[], message: string }> }, prefix: string) => error.issues.map((i) => `${[prefix, ...i.path.map(String)].filter((p) => p !== '').join('.')}: ${i.message}`).join('; ')

function checked<T> (check: Check<T>, value: unknown, prefix: string): T {
  const result = check(value)
  if (!result.success) throw new Rejected(issues(result.error, prefix))
  return result.data
}

/** The value of the scale a label names: by key, by label (ignoring case), by the slug of the label, or by an alias. */
function ratingKeyOf (scale: RatingScaleRow, label: string): string {
  const wanted = label.trim().toLowerCase()
  const value =
    scale.values.find(
      (v) => v.key === wanted || v.label.toLowerCase() === wanted || slugify(v.label) === slugify(label)
    ) ?? scale.values.find((v) => v.aliases?.some((alias) => alias === wanted || alias === slugify(label)))
  if (!value) throw new Rejected(`verdictLabel: "${label}" is not a value of the rating scale ${scale.slug} (${scale.values.map((v) => v.key).join(', ')})`)
  return value.key
}

/** Checks a record with the API's own schemas; throws Rejected with the reason. */
export function prepare (
  line: number,
  input: unknown,
  scale: RatingScaleRow,
  map: Map<string, string>,
  checks: RecordChecks
): Prepared {
  const record = checked((value) => FlatRecordSchema.safeParse(value), input, '')
  const externalId = record.id?.trim() || null
  const reviewUrl = record.reviewUrl?.trim() || null
  const language = record.language ?? 'en'
  const topics =
    typeof record.topics === 'string'
      ? record.topics
        .split(';')
        .map((t) => t.trim())
        .filter(Boolean)
      : (record.topics ?? [])
  const claim = checked(
    checks.claim,
    {
      text: record.text,
      claimDate: record.claimDate ?? null,
      language,
      topics,
    },
    ''
  )
  const claimant = record.claimant?.trim()
    ? checked(
      checks.claimant,
      {
        name: record.claimant,
        kind: record.claimantKind ?? 'person',
        ...(record.claimantJobTitle ? { jobTitle: record.claimantJobTitle } : {}),
        ...(record.claimantSameAs ? { sameAs: record.claimantSameAs } : {}),
      },
      'claimant'
    )
    : null
  const appearanceInputs =
    record.appearances ?? (record.context?.trim() ? [{ title: record.context, isFirstAppearance: true }] : [])
  const appearances = appearanceInputs.map((a, i) =>
    checked(
      checks.appearance,
      Object.fromEntries(Object.entries(a).filter(([, v]) => v !== null && v !== undefined)),
      `appearances.${i}`
    )
  )
  if (appearances.filter((a) => a.isFirstAppearance).length > 1) { throw new Rejected('appearances: at most one may be the first appearance') }
  let review: Prepared['review'] = null
  if (record.verdictLabel?.trim()) {
    const rating = ratingKeyOf(scale, map.get(record.verdictLabel.trim().toLowerCase()) ?? record.verdictLabel)
    const label = scale.values.find((v) => v.key === rating)?.label ?? rating
    const body = checked(
      checks.review,
      {
        ratingScale: scale.slug,
        rating,
        url: reviewUrl,
        author: record.reviewer
          ? { name: record.reviewer, ...(record.reviewerUrl ? { url: record.reviewerUrl } : {}) }
          : null,
        // Publication needs a conclusion; a data set that gives only the label has this one, which says no more.
        ratingExplanation:
          record.ratingExplanation ?? (record.reviewer ? `${record.reviewer.trim()} rated this claim ${label}.` : null),
        ...(record.headline ? { headline: record.headline } : {}),
        inLanguage: language,
      },
      'review'
    )
    const missing = missingForPublication({
      url: body.url ?? null,
      authorName: body.author?.name ?? null,
      ratingExplanation: body.ratingExplanation ?? null,
    })
    if (missing.length > 0) {
      throw new Rejected(
        `a verdict is imported as published, which needs ${missing.map((m) => (m.path === 'url' ? 'reviewUrl' : m.path === 'author' ? 'reviewer' : m.path)).join(' and ')}`
      )
    }
    const datePublished = record.reviewDate
      ? new Date(checked(checks.timestamp, record.reviewDate, 'reviewDate'))
      : null
    review = { ...body, datePublished, scale }
  } else if (reviewUrl) {
    throw new Rejected('reviewUrl without a verdictLabel: a review needs its verdict')
  }
  const key = externalId ?? reviewUrl
  if (key === null) throw new Rejected('the record needs an id or a reviewUrl, so that importing it again finds it')
  return { id: uuidv7(), line, record: input, key, externalId, claimant, claim, appearances, review }
}

/** Marks a result whose verdict the record gives without a review date. */
export const undatedOf = (row: Prepared): { undated?: true } =>
  row.review !== null && row.review.datePublished === null ? { undated: true } : {}

/** The id or review URL of a record, as far as it can be read. */
export function keyOf (record: unknown): string | null {
  const { id, reviewUrl } = (typeof record === 'object' && record !== null ? record : {}) as { id?: unknown, reviewUrl?: unknown }
  return typeof id === 'string' || typeof id === 'number' ? String(id) : typeof reviewUrl === 'string' ? reviewUrl : null
}
