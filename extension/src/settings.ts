// What the extension keeps: the user's settings (storage.sync), the prefix list (storage.local) and each tab's
// result and the last claim check (storage.session, gone when the browser closes).
export interface Settings {
  /** The Claimtrack server, without a trailing slash. */
  server: string
  /** A partner API key; sent only with "Check this claim", never with page lookups. */
  partnerKey: string
}

export const DEFAULT_SETTINGS: Settings = { server: 'http://127.0.0.1:3000', partnerKey: '' }

export async function loadSettings (): Promise<Settings> {
  const stored = await chrome.storage.sync.get(DEFAULT_SETTINGS) as Partial<Settings>
  return { server: (stored.server ?? DEFAULT_SETTINGS.server).replace(/\/+$/, ''), partnerKey: stored.partnerKey ?? '' }
}

export interface Verdict {
  rating: { label: string, verdict: string }
  headline: string | null
  url: string | null
  author: { name: string } | null
}

/** A claim as /v1/lookup/prefixes and /v1/claims/match return it (the fields the popup shows). */
export interface ClaimSummary {
  id: string
  text: string
  claimant: { name: string } | null
  currentVerdict: Verdict | null
}

export interface TabResult { canonicalUrl: string, claims: ClaimSummary[] }

export interface ClaimMatch {
  score: number
  explanation: { matchedTerms: string[], words: number, similarity: number }
  claim: ClaimSummary
}

export interface ClaimCheck { text: string, matches: ClaimMatch[], error: string | null, at: string }

export const tabKey = (tabId: number) => `tab:${tabId}`
export const CHECK_KEY = 'check'
