// The service worker: keeps the prefix list, checks each page the user opens against it locally, asks the server
// only about a prefix the list holds, and runs "Check this claim" on selected text when the user asks.
import { canonicalizeUrl } from '../../src/lib/url-canonical.ts'
import { decodePrefixes } from '../../src/lib/prefix-list.ts'
import { verdictStyles, noVerdictStyle } from '../../src/lib/render/verdict-style.ts'
import { CHECK_KEY, loadSettings, tabKey, type ClaimCheck, type ClaimMatch, type ClaimSummary, type TabResult } from './settings.ts'

interface StoredList { server: string, bytes: number, version: string, prefixes: number[] }
interface PrefixListBody {
  bytes: number
  version: string
  full: boolean
  prefixes?: string
  additions?: string
  removals?: string
}

const LIST_KEY = 'prefixList'
const ALARM = 'refresh-prefix-list'
const MENU = 'check-claim'

async function storedList (): Promise<StoredList | undefined> {
  return (await chrome.storage.local.get(LIST_KEY))[LIST_KEY] as StoredList | undefined
}

/** Fetches the list (only what changed, when the server still knows our version) and stores it. */
async function refreshPrefixList (): Promise<StoredList> {
  const { server } = await loadSettings()
  const held = await storedList()
  const current = held?.server === server ? held : undefined
  const url = new URL(`${server}/v1/lookup/prefix-list`)
  if (current) url.searchParams.set('since', current.version)
  const res = await fetch(url, { credentials: 'omit' })
  if (!res.ok) throw new Error(`prefix list: HTTP ${res.status}`)
  const body = await res.json() as PrefixListBody
  let prefixes: number[]
  if (body.full || current === undefined) {
    prefixes = decodePrefixes(body.prefixes ?? '')
  } else {
    const removed = new Set(decodePrefixes(body.removals ?? ''))
    prefixes = [...current.prefixes.filter((p) => !removed.has(p)), ...decodePrefixes(body.additions ?? '')].sort((a, b) => a - b)
  }
  const list = { server, bytes: body.bytes, version: body.version, prefixes }
  // The user may have switched servers while this was in flight: keep only a list of the server now set.
  if ((await loadSettings()).server === server) await chrome.storage.local.set({ [LIST_KEY]: list })
  return list
}

function listHas (sorted: number[], value: number): boolean {
  let lo = 0
  let hi = sorted.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const at = sorted[mid] as number
    if (at === value) return true
    if (at < value) lo = mid + 1
    else hi = mid - 1
  }
  return false
}

async function sha256Hex (text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('')
}

async function setBadge (tabId: number, claims: ClaimSummary[]) {
  if (claims.length === 0) return chrome.action.setBadgeText({ tabId, text: '' })
  // The first claim's verdict sets the colour; the count says how many claims the page makes.
  const verdict = claims.find((c) => c.currentVerdict)?.currentVerdict?.rating.verdict
  const style = (verdict && verdictStyles[verdict as keyof typeof verdictStyles]) || noVerdictStyle
  await chrome.action.setBadgeBackgroundColor({ tabId, color: style.colour })
  await chrome.action.setBadgeTextColor?.({ tabId, color: '#ffffff' })
  await chrome.action.setBadgeText({ tabId, text: String(claims.length) })
  await chrome.action.setTitle({ tabId, title: `Claimtrack: ${claims.length} fact-checked claim${claims.length === 1 ? '' : 's'} on this page (${style.name})` })
}

/** Checks one page: nothing leaves the browser unless its hash prefix is in the list. */
async function checkTab (tabId: number, url: string): Promise<TabResult | null> {
  const canonicalUrl = canonicalizeUrl(url)
  await chrome.storage.session.remove(tabKey(tabId))
  if (canonicalUrl === null) {
    await setBadge(tabId, [])
    return null
  }
  const held = await storedList()
  const list = held?.server === (await loadSettings()).server ? held : await refreshPrefixList()
  const hash = await sha256Hex(canonicalUrl)
  let claims: ClaimSummary[] = []
  if (listHas(list.prefixes, Number.parseInt(hash.slice(0, list.bytes * 2), 16))) {
    const res = await fetch(`${list.server}/v1/lookup/prefixes/${hash.slice(0, 8)}`, { credentials: 'omit' })
    if (res.ok) {
      const body = await res.json() as { matches: Array<{ hash: string, claims: ClaimSummary[] }> }
      claims = body.matches.find((m) => m.hash === hash)?.claims ?? []
    }
  }
  const result = { canonicalUrl, claims }
  // The badge first: once the result is stored, the tab's check is done, badge included.
  await setBadge(tabId, claims)
  await chrome.storage.session.set({ [tabKey(tabId)]: result })
  return result
}

/** "Check this claim": the selected text goes to the server, on the user's action only. */
async function checkSelection (text: string): Promise<ClaimCheck> {
  const { server, partnerKey } = await loadSettings()
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (partnerKey) headers.authorization = `Bearer ${partnerKey}`
  let check: ClaimCheck
  try {
    const res = await fetch(`${server}/v1/claims/match`, { method: 'POST', headers, credentials: 'omit', body: JSON.stringify({ text: text.slice(0, 5000), limit: 5, minScore: 0.1 }) })
    if (!res.ok) throw new Error(`the server answered ${res.status}`)
    const body = await res.json() as { data: ClaimMatch[] }
    check = { text, matches: body.data, error: null, at: new Date().toISOString() }
  } catch (err) {
    check = { text, matches: [], error: err instanceof Error ? err.message : String(err), at: new Date().toISOString() }
  }
  await chrome.storage.session.set({ [CHECK_KEY]: check })
  return check
}

chrome.runtime.onInstalled.addListener(() => {
  chrome.contextMenus.create({ id: MENU, title: 'Check this claim', contexts: ['selection'] })
})
chrome.alarms.create(ALARM, { periodInMinutes: 30 })
chrome.alarms.onAlarm.addListener((alarm) => {
  if (alarm.name === ALARM) refreshPrefixList().catch(() => {})
})
chrome.runtime.onStartup.addListener(() => { refreshPrefixList().catch(() => {}) })
chrome.storage.onChanged.addListener((changes, area) => {
  if (area === 'sync' && 'server' in changes) refreshPrefixList().catch(() => {})
})
chrome.tabs.onUpdated.addListener((tabId, change, tab) => {
  if (change.status === 'complete' && tab.url) checkTab(tabId, tab.url).catch(() => {})
})
chrome.tabs.onRemoved.addListener((tabId) => { chrome.storage.session.remove(tabKey(tabId)).catch(() => {}) })
chrome.contextMenus.onClicked.addListener((info) => {
  if (info.menuItemId !== MENU || !info.selectionText) return
  checkSelection(info.selectionText).then(() => chrome.action.openPopup?.()).catch(() => {})
})
refreshPrefixList().catch(() => {})

// For tests and debugging from the service worker console.
Object.assign(globalThis, { claimtrack: { refreshPrefixList, checkTab, checkSelection, canonicalizeUrl } })
