// "Has this been checked before?": rank recorded claims by how likely they are the claim in a sentence or a post.
import { canSee, type Viewer } from '../domain/access.ts'
import { detectLanguage } from '../lib/text/language.ts'
import type { ClaimListItem, ClaimsRepository } from '../repositories/claims.ts'
import type { CandidateOptions, CandidateQuery, MatchCandidate, MatchingRepository } from '../repositories/matching.ts'
import type { MatchIndexService } from './match-index.ts'

export interface MatchRequest {
  text: string
  language?: string | undefined
  limit: number
  minScore: number
}

/** Why a claim matched: the input's words it holds, and the two parts the score is the sum of. */
export interface MatchExplanation {
  matchedTerms: string[]
  /** The words part: BM25 relative to the most the input could reach, squashed to 0..1, times its weight. */
  words: number
  /** The similarity part: trigram word similarity of the texts, 0..1, times its weight. */
  similarity: number
  /** BM25 of the claim text for the input, as computed (unweighted). */
  bm25: number
}

export interface Match { item: ClaimListItem, score: number, explanation: MatchExplanation }

/** The term statistics' delta rows are folded together at most this often (correctness never depends on it). */
const COMPACT_EVERY_MS = 60_000

// The scoring, chosen inside the training folds of bench/matching.ts --folds 5 and then on all CLEF CheckThat! 2021
// train+dev pairs, apart for social media posts and for other texts (isSocialPost): how fast relative BM25
// saturates, and the weight of trigram similarity.
export interface Scoring { squash: number, wTrigram: number }
export const SCORING: { social: Scoring, other: Scoring } = {
  social: { squash: 8, wTrigram: 0.4 },
  other: { squash: 1, wTrigram: 0 },
}

/**
 * The score of a candidate in [0, 1]: BM25 relative to what the input could reach at most (squashed, since a
 * short claim never contains every word of a long post), blended with trigram similarity of the texts.
 */
export function matchScore (c: MatchCandidate, scoring: Scoring): { score: number, words: number, similarity: number } {
  const relative = c.bm25Max > 0 ? c.bm25 / c.bm25Max : 0
  const words = (1 - scoring.wTrigram) * (1 - Math.exp(-scoring.squash * relative))
  const similarity = scoring.wTrigram * c.trigram
  return { score: Math.min(1, Math.max(0, words + similarity)), words, similarity }
}

/**
 * The words of a post that can name a claim: links and HTML entities say nothing about it, and a #HashTagLikeThis
 * or an @HandleLikeThis is words run together (often a name: @BarackObama).
 */
export function cleanInput (text: string): string {
  return text
    .replace(/https?:\/\/\S+|pic\.twitter\.com\/\S+/gi, ' ')
    .replace(/&(amp|lt|gt|quot|#39);/g, ' ')
    .replace(/[#@](\w+)/g, (_, tag: string) => tag.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/_/g, ' '))
    .replace(/\s+/g, ' ')
    .trim()
}

/** Whether a text is a social media post: it holds a link, a #hashtag or an @handle. */
export const isSocialPost = (text: string): boolean => /https?:\/\/|pic\.twitter\.com\/|(^|[^\w])[#@][a-z_]/i.test(text)

const UNITS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve',
  'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen']
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety']
const NUMBER_WORDS = new Map<string, number>([
  ...UNITS.map((w, n) => [w, n] as const).slice(2),
  ...TENS.flatMap((w, t) => w ? [[w, t * 10] as const, ...UNITS.slice(1, 10).map((u, n) => [`${w}${u}`, t * 10 + n + 1] as const)] : []),
])

/**
 * Other spellings of the numbers in an English input, as claims may write them: "fifty" also as 50, "forty-three"
 * (or "fortythree", as transcripts have it) as 43. "One" is left alone: it is rarely a number. ("%" as "percent"
 * measured no better: bench/matching.ts.)
 */
export function numberSpellings (text: string): string {
  const words: string[] = []
  for (const [, word] of text.toLowerCase().matchAll(/(?<![\p{L}\p{N}])((?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)[ -]?(?:one|two|three|four|five|six|seven|eight|nine)|\p{L}+)(?![\p{L}\p{N}])/gu)) {
    const n = word && NUMBER_WORDS.get(word.replace(/[ -]/g, ''))
    if (n) words.push(String(n))
  }
  return words.join(' ')
}

/**
 * Which of the engine's signals are used, and for which inputs. Each was kept only where it beat the engine without
 * it on the mean and on at least 4 of 5 folds of bench/matching.ts --folds 5 (bench/README.md has the ablation);
 * signals that won on social media posts only are used for inputs that look like one (isSocialPost).
 */
export interface Signals {
  /** Links and entities removed, hashtags and handles split into words. */
  clean: boolean
  /** Number words also looked up as digits (English). */
  numbers: boolean
  /** Unknown run-together words also looked up as the two words claims hold. */
  splits: 'always' | 'social' | 'never'
  /** Trigram similarity blended into the score. */
  trigram: 'always' | 'social' | 'never'
}
export const SIGNALS: Signals = { clean: true, numbers: false, splits: 'always', trigram: 'social' }

export const applies = (when: 'always' | 'social' | 'never', socialPost: boolean) => when === 'always' || (when === 'social' && socialPost)

/** What to ask the repository for an input: the cleaned text, other spellings, and the signals that apply to it. */
export interface MatchPlan { query: CandidateQuery, options: CandidateOptions, scoring: Scoring }

export function planMatch (
  raw: string,
  language: string | undefined,
  limit: number,
  viewer: Viewer,
  signals: Signals = SIGNALS
): MatchPlan {
  const socialPost = isSocialPost(raw)
  const text = signals.clean ? cleanInput(raw) || raw : raw
  const lang = language ?? detectLanguage(text)
  const trigram = applies(signals.trigram, socialPost)
  return {
    query: {
      text,
      language: lang,
      limit,
      alsoWords: signals.numbers && /^en/i.test(lang) ? numberSpellings(text) : '',
      visibleTo: viewer,
      similarity: trigram,
    },
    options: { splitWords: applies(signals.splits, socialPost) },
    scoring: trigram
      ? SCORING[socialPost ? 'social' : 'other']
      : { ...SCORING[socialPost ? 'social' : 'other'], wTrigram: 0 },
  }
}

export function createMatchingService (
  matching: MatchingRepository,
  index: MatchIndexService,
  claims: ClaimsRepository,
  log: { warn(obj: object, msg: string): void }
) {
  let compactedAt = 0

  /** Folds the statistics' delta rows in the background, now and then: answers are the same before and after. */
  function compactLater () {
    if (Date.now() - compactedAt < COMPACT_EVERY_MS) return
    compactedAt = Date.now()
    matching.compactStats().catch((err: unknown) => log.warn({ err }, 'compacting the matching statistics failed'))
  }

  return {
    async match (request: MatchRequest, viewer: Viewer): Promise<Match[]> {
      const plan = planMatch(request.text, request.language, Math.max(request.limit * 5, 50), viewer)
      const { options, scoring } = plan
      // Without trigram similarity the score grows with BM25 alone, so the best `limit` by BM25 are the answer: asking
      // for no more lets the index prune far more (a higher threshold sooner). With it, trigram similarity may
      // reorder, so more candidates are scored.
      const query = scoring.wTrigram > 0 ? plan.query : { ...plan.query, limit: request.limit }
      const candidates = await index.candidates(query, options)
      compactLater()
      const scored = candidates
        .map((c) => ({ c, parts: matchScore(c, scoring) }))
        .filter(({ parts }) => parts.score >= request.minScore)
        .sort((a, b) => b.parts.score - a.parts.score || b.c.bm25 - a.c.bm25 || (a.c.id < b.c.id ? -1 : 1))
        .slice(0, request.limit)
      const items = new Map((await claims.listByIds(scored.map((s) => s.c.id))).map((item) => [item.claim.id, item]))
      return scored.flatMap(({ c, parts }) => {
        const item = items.get(c.id)
        // Visibility was applied before ranking; this guards against a claim changed in between.
        return item && item.claim.deletedAt === null && canSee(viewer, item.claim)
          ? [
              {
                item,
                score: parts.score,
                explanation: {
                  matchedTerms: c.matchedTerms,
                  words: parts.words,
                  similarity: parts.similarity,
                  bm25: c.bm25,
                },
              },
            ]
          : []
      })
    },

    /** Folds the term statistics' rows together now (false when another process is doing it). */
    compactStats: () => matching.compactStats(),
  }
}

export type MatchingService = ReturnType<typeof createMatchingService>
