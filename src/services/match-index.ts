// Claim matching from this process's in-memory inverted index (src/lib/match-index.ts): built in the background on the
// first match (or at start, src/server.ts), then kept current from the claims' change feed (migrations/0030): each
// match first applies what was committed before it started (the statement that reads its terms says whether there
// is any), so a claim is matchable on every process as soon as it commits; an idle process polls every POLL_MS. Until
// it is built, and for the bench's switches the index does not implement, the SQL path answers
// (src/repositories/matching.ts): the same claims in the same order, only slower, as both rank with the term statistics
// of now.
import type { IndexedClaim } from '../lib/match-index.ts'
import { createMatchIndex, type MatchIndex } from '../lib/match-index.ts'
import { createSearchIndex, type Candidates, type QueryNode, type SearchDocument, type SearchIndex } from '../lib/search-index.ts'
import type { CandidateOptions, CandidateQuery, MatchCandidate, MatchingRepository } from '../repositories/matching.ts'

/**
 * How often a process asks which claims changed, so that a match after a quiet spell has less to apply. Only a warm-up:
 * every match applies what committed before it started in any case. Every 500 ms it was two transactions a second for
 * each idle process, above issue 18's one (bench/idle.ts: 2.9 a second in all); every 30 s, as the job engine's
 * backstop poll, it is one every 30 s.
 */
export const POLL_MS = 30_000
/** Claims read per query while building (adding 5,000 holds the event loop for tens of milliseconds). */
const PAGE = 5_000
const NO_ID = '00000000-0000-0000-0000-000000000000'

export interface MatchIndexOptions {
  /** False answers every match in SQL (MATCH_INDEX=false). */
  enabled: boolean
  /** Also hold full-text search's candidate index (SEARCH_INDEX; src/lib/search-index.ts, docs/search.md). */
  search?: boolean
  /** False leaves matching to SQL while the index is held for search alone (MATCH_INDEX=false, SEARCH_INDEX=true). */
  matching?: boolean
  log: { info?(obj: object, msg: string): void, warn(obj: object, msg: string): void }
}

export function createMatchIndexService (
  repo: MatchingRepository,
  { enabled, search = false, matching = true, log }: MatchIndexOptions
) {
  let index: MatchIndex | null = null
  let searchIndex: SearchIndex | null = null
  let snapshot = ''
  let building: Promise<void> | null = null
  let polling: Promise<void> | null = null
  let timer: NodeJS.Timeout | undefined
  let closed = false

  type Read = IndexedClaim & { search?: SearchDocument }
  function apply (claims: Read[], target: MatchIndex, words: SearchIndex | null) {
    for (const claim of claims) {
      target.add(claim)
      const { id, privateTo, search: document } = claim
      if (words !== null && document !== undefined) words.add({ id, privateTo, search: document })
    }
  }

  // Polls run one after another, so that changes are applied in the order they were read.
  let queue: Promise<void> = Promise.resolve()
  const serial = (work: () => Promise<void>): Promise<void> => (queue = queue.then(work, work))
  // A poll that has not started yet: every match that arrives before it starts waits for it, and no other.
  let next: Promise<void> | null = null
  function freshPoll (): Promise<void> {
    next ??= serial(async () => {
      next = null
      await poll()
    })
    return next
  }

  async function build (): Promise<void> {
    const started = Date.now()
    const rssBefore = process.memoryUsage().rss
    const next = createMatchIndex()
    const nextWords = search ? createSearchIndex() : null
    // The snapshot is taken before the claims are read: a change committed meanwhile is read again by the next poll.
    const from = await repo.snapshot()
    for (let after = NO_ID; ;) {
      const page = await repo.indexed({ after, limit: PAGE }, search)
      apply(page, next, nextWords)
      if (page.length < PAGE || closed) break
      after = page[page.length - 1]?.id ?? after
      // Lets requests run between pages.
      await new Promise((resolve) => setImmediate(resolve))
    }
    // 11M postings at 1M claims: compacting at once would hold the event loop for a second.
    const steps = next.compacting()
    while (steps.next().done !== true) await new Promise((resolve) => setImmediate(resolve))
    nextWords?.compact()
    index = next
    searchIndex = nextWords
    snapshot = from
    log.info?.({ ...next.size(), search: nextWords?.size(), ms: Date.now() - started, rssMb: Math.round((process.memoryUsage().rss - rssBefore) / 2 ** 20) }, 'match index built')
    repo.pruneChanges().catch((err: unknown) => log.warn({ err }, 'pruning the match index changes failed'))
  }

  /** Reads the claims changed since the snapshot the index reflects, and applies them. */
  async function poll (): Promise<void> {
    if (index === null) return
    const changes = await repo.changedSince(snapshot)
    if (changes.ids.length === 0) return
    if (changes.ids.includes(null)) {
      await build()
      return
    }
    const ids = changes.ids.filter((id): id is string => id !== null)
    const target = index
    const words = searchIndex
    for (let i = 0; i < ids.length; i += PAGE) {
      const chunk = ids.slice(i, i + PAGE)
      const live = await repo.indexed({ ids: chunk }, words !== null)
      for (const id of chunk) { target.remove(id); words?.remove(id) }
      apply(live, target, words)
    }
    snapshot = changes.snapshot
    if (target.wantsCompaction()) target.compact()
    if (words?.wantsCompaction() === true) words.compact()
  }

  function schedule () {
    if (closed) return
    timer = setTimeout(() => {
      polling = freshPoll().catch((err: unknown) => log.warn({ err }, 'reading the match index changes failed'))
        .finally(() => { polling = null; schedule() })
    }, POLL_MS)
    timer.unref()
  }

  /** Starts building, once; the poll starts when it is built. */
  function start (): void {
    if (!enabled || building !== null || closed) return
    building = build().then(schedule, (err: unknown) => {
      log.warn({ err }, 'building the match index failed; matching answers in SQL and tries again on the next match')
      building = null
    })
  }

  return {
    start,

    /** Whether this process answers from its index (false until it is built). */
    ready: () => index !== null,

    /** `ready` once built, `building` until then (matching answers in SQL meanwhile), `off` when disabled. */
    state: (): 'ready' | 'building' | 'off' => (!enabled ? 'off' : index !== null ? 'ready' : 'building'),

    /** Builds the index now and waits for it (tests and the bench); resolves at once when disabled. */
    async whenReady (): Promise<void> {
      start()
      await building
    },

    /**
     * The best `limit` candidates for the input, as `MatchingRepository.candidates` finds them: from the index once it
     * is built (their trigram similarity, when asked, computed in SQL for them only), else in SQL.
     */
    async candidates (query: CandidateQuery, options: CandidateOptions = {}): Promise<MatchCandidate[]> {
      start()
      if (index === null || !matching || options.perTerm !== undefined || options.pruneTerms !== undefined) {
        return repo.candidates(query, options)
      }
      // Read your writes: the statement that reads the input's terms also tells whether any process committed a change
      // the index has not seen; if so, it is applied first (matches that arrive meanwhile share one poll).
      const input = await repo.terms(query, options, snapshot)
      if (input.changed) await freshPoll().catch((err: unknown) => log.warn({ err }, 'reading the match index changes failed'))
      // A truncation polled just now replaced the index.
      const held = index
      if (held === null) return repo.candidates(query, options)
      const best = held.top(input.terms, input.avgdl, query.limit, query.visibleTo.organizationId)
      const trigram = query.similarity ?? true ? await repo.similarity(query.text, best.map((b) => b.id)) : null
      return best.flatMap((b) => {
        const similarity = trigram === null ? 0 : trigram.get(b.id)
        if (similarity === undefined) return []
        const rank = new Map(b.lexemes.map((l, i) => [l, i]))
        const firstAt = new Map<string, number>()
        for (const { word, lexeme } of input.words) {
          const at = rank.get(lexeme)
          if (at !== undefined && at < (firstAt.get(word) ?? Infinity)) firstAt.set(word, at)
        }
        const matchedTerms = [...firstAt]
          .sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
          .map(([w]) => w)
        return [{ id: b.id, bm25: b.bm25, bm25Max: input.bm25Max, trigram: similarity, matchedTerms }]
      })
    },

    /**
     * Full-text search's candidates for a query (each configuration's parse), from the index once it is built, after
     * applying what other transactions committed before this call (as a match does): a function giving the first
     * `want` in the order of their bound (src/lib/search-index.ts); null while the index is not built, when it is off,
     * or for a query it does not answer.
     */
    async searchCandidates (
      query: { english: QueryNode | null, simple: QueryNode | null },
      viewerOrganization: string | null
    ): Promise<((want: number) => Candidates | null) | null> {
      start()
      if (searchIndex === null) return null
      if (await repo.changedAfter(snapshot)) {
        await freshPoll().catch((err: unknown) => log.warn({ err }, 'reading the match index changes failed'))
      }
      const held = searchIndex
      if (held === null) return null
      return (want) => held.candidates(query, viewerOrganization, want)
    },

    /** Stops polling and waits for a build or poll under way. */
    async close (): Promise<void> {
      closed = true
      clearTimeout(timer)
      await Promise.allSettled([building, polling])
    },
  }
}

export type MatchIndexService = ReturnType<typeof createMatchIndexService>
