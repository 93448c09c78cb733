// Text searches from callers: parsed once per request, refused when they would test every claim or are too long to
// test cheaply, and run within the caller's read budget.
import { readWithin, type Db, type Executor } from '../db/client.ts'
import { errorCodes } from '../db/errors.ts'
import { UnavailableError, ValidationError } from '../domain/errors.ts'
import type { SearchQuery } from '../repositories/claim-search.ts'
import type { ClaimsRepository } from '../repositories/claims.ts'

/** At most this many words and operators in a parsed query (Postgres' numnode): every claim tested costs as much. */
export const MAX_SEARCH_SIZE = 64

/**
 * The query parsed, or null when it holds nothing to search for (only stop words), which no claim matches. A query
 * with no word to find (only `-word`s, or an alternative of one: `x or -y`) or with too many words and operators
 * is a ValidationError naming `path`, where the input holds the query.
 */
export async function searchQueryOf (claims: ClaimsRepository, q: string, path: string): Promise<SearchQuery | null> {
  const parsed = await claims.parseSearch(q)
  if (!parsed.indexable) {
    const message = 'needs a word to find: only excluded words (-word) cannot be searched for'
    throw new ValidationError(`The search ${message}; add a word that the claims must contain (each alternative joined by "or" needs one).`, [{ path, message }])
  }
  if (parsed.size > MAX_SEARCH_SIZE) {
    const message = `makes a search of ${parsed.size} words and operators; at most ${MAX_SEARCH_SIZE} are allowed`
    throw new ValidationError(`The search is too long: it ${message}. Use fewer words.`, [{ path, message }])
  }
  return parsed.size === 0 ? null : { english: parsed.english, simple: parsed.simple }
}

/**
 * Runs a search's reads with a statement timeout of `timeoutMs` (the caller's budget; none for newsroom keys). A
 * search cancelled by it is an UnavailableError that says so, rather than the generic one.
 */
export async function withinBudget<T> (
  db: Db,
  timeoutMs: number | undefined,
  work: (executor: Executor) => Promise<T>
): Promise<T> {
  try {
    return await readWithin(db, timeoutMs, work)
  } catch (error) {
    if (timeoutMs !== undefined && errorCodes(error).includes('57014')) {
      throw new UnavailableError(
        `The search took longer than the ${timeoutMs} ms allowed to it and was stopped. Narrow it (more words, filters) or retry later.`,
        5
      )
    }
    throw error
  }
}
