// "Has this been checked before?": rank recorded claims by how likely they are the claim in a sentence or a post.
import { canSee, type Viewer } from '../lib/access.ts'
import type { ClaimListItem, ClaimsRepository } from '../repositories/claims.ts'
import type { MatchCandidate, MatchingRepository } from '../repositories/matching.ts'

export interface MatchRequest {
  text: string
  language?: string | undefined
  limit: number
  minScore: number
}

export interface Match { item: ClaimListItem, score: number }

/** Term statistics older than this are refreshed in the background after the request that notices. */
const STATS_MAX_AGE_MS = 5 * 60_000

// Weights of the two signals, chosen on the CLEF CheckThat! 2021 train+dev pairs (bench/matching.ts).
const W_BM25 = 0.75
const W_TRIGRAM = 0.25

/**
 * The score of a candidate in [0, 1]: BM25 relative to what the input could reach at most (squashed, since a
 * short claim never contains every word of a long post), blended with trigram similarity of the texts.
 */
export function matchScore (c: MatchCandidate): number {
  const relative = c.bm25Max > 0 ? c.bm25 / c.bm25Max : 0
  const bm25 = 1 - Math.exp(-4 * relative)
  return Math.min(1, Math.max(0, W_BM25 * bm25 + W_TRIGRAM * c.trigram))
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

export function createMatchingService (matching: MatchingRepository, claims: ClaimsRepository, log: { warn(obj: object, msg: string): void }) {
  let refreshing: Promise<unknown> | undefined

  async function ensureStats () {
    const stats = await matching.statsAge()
    if (!stats || stats.n === 0) {
      // Never computed (or computed on an empty database): compute now, or the first answers would be poor.
      await matching.refreshStats()
    } else if (Date.now() - stats.refreshedAt.getTime() > STATS_MAX_AGE_MS && !refreshing) {
      refreshing = matching.refreshStats()
        .catch((err: unknown) => log.warn({ err }, 'refreshing the matching statistics failed'))
        .finally(() => { refreshing = undefined })
    }
  }

  return {
    async match (request: MatchRequest, viewer: Viewer): Promise<Match[]> {
      await ensureStats()
      const text = cleanInput(request.text) || request.text
      const language = request.language ?? 'en'
      const also = /^en/i.test(language) ? numberSpellings(text) : ''
      const candidates = await matching.candidates(text, language, Math.max(request.limit * 5, 50), also)
      const scored = candidates.map((c) => ({ id: c.id, score: matchScore(c) }))
        .filter((c) => c.score >= request.minScore)
        .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
        .slice(0, request.limit)
      const items = new Map((await claims.listByIds(scored.map((s) => s.id))).map((item) => [item.claim.id, item]))
      return scored.flatMap(({ id, score }) => {
        const item = items.get(id)
        return item && item.claim.deletedAt === null && canSee(viewer, item.claim) ? [{ item, score }] : []
      })
    },

  }
}

export type MatchingService = ReturnType<typeof createMatchingService>
