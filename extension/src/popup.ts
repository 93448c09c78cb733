// The popup: the verdict cards for the current tab's page, then the result of the last "Check this claim". Built with
// DOM calls and textContent only (no HTML strings), so nothing from the server can run as markup.
import { verdictStyles, noVerdictStyle } from '../../src/lib/render/verdict-style.ts'
import { CHECK_KEY, loadSettings, tabKey, type ClaimCheck, type ClaimSummary, type TabResult } from './settings.ts'

function el<K extends keyof HTMLElementTagNameMap> (
  tag: K,
  props: { className?: string; text?: string } = {},
  ...children: Node[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag)
  if (props.className) node.className = props.className
  if (props.text !== undefined) node.textContent = props.text
  node.append(...children)
  return node
}

/** One claim: what was said, by whom, the verdict in words on its colour, and the fact-check link. */
function card (claim: ClaimSummary, server: string, extra?: Node): HTMLElement {
  const verdict = claim.currentVerdict
  const style = (verdict && verdictStyles[verdict.rating.verdict as keyof typeof verdictStyles]) || noVerdictStyle
  // The scale's own label, and the normalised verdict when the label says something else ("Pants on Fire": False).
  const label = verdict && verdict.rating.label.toLowerCase() !== style.name.toLowerCase() ? `${verdict.rating.label} (${style.name})` : style.name
  const rating = el('p', { className: 'rating', text: `Verdict: ${label}` })
  rating.style.background = style.colour
  const article = el('article', { className: 'card' },
    rating,
    el('blockquote', { text: claim.text }),
    el('p', { className: 'claimant', text: claim.claimant ? `Said by ${claim.claimant.name}` : 'Claimant unknown' }))
  article.setAttribute('aria-label', `Fact-check: ${style.name}`)
  if (verdict?.headline) article.append(el('p', { className: 'headline', text: verdict.headline }))
  const href = verdict?.url ?? `${server}/v1/claims/${claim.id}`
  const link = el('a', { text: verdict?.url ? `Read the fact-check${verdict.author ? ` by ${verdict.author.name}` : ''}` : 'See the claim' })
  link.href = href
  link.target = '_blank'
  link.rel = 'noopener noreferrer'
  article.append(link)
  if (extra) article.append(extra)
  return article
}

async function currentTabId (): Promise<number | undefined> {
  const fromQuery = new URLSearchParams(location.search).get('tab')
  if (fromQuery !== null) return Number(fromQuery)
  const [tab] = await chrome.tabs.query({ active: true, currentWindow: true })
  return tab?.id
}

async function render () {
  const { server } = await loadSettings()
  const pageSection = document.getElementById('page') as HTMLElement
  const checkSection = document.getElementById('check') as HTMLElement
  const tabId = await currentTabId()
  const page =
    tabId === undefined
      ? undefined
      : ((await chrome.storage.session.get(tabKey(tabId)))[tabKey(tabId)] as TabResult | undefined)
  const pageList = el('div', { className: 'cards' })
  if (page && page.claims.length > 0) {
    for (const claim of page.claims) pageList.append(card(claim, server))
    pageSection.replaceChildren(el('h2', { text: `This page: ${page.claims.length} fact-checked claim${page.claims.length === 1 ? '' : 's'}` }), pageList)
  } else {
    pageSection.replaceChildren(el('h2', { text: 'This page' }), el('p', { className: 'empty', text: 'No published fact-check for this page.' }))
  }

  const check = (await chrome.storage.session.get(CHECK_KEY))[CHECK_KEY] as ClaimCheck | undefined
  if (!check) {
    checkSection.replaceChildren(el('h2', { text: 'Check a claim' }), el('p', { className: 'empty', text: 'Select text on a page, right-click and choose "Check this claim".' }))
    return
  }
  const results = el('div', { className: 'cards' })
  if (check.error) results.append(el('p', { className: 'error', text: `The check failed: ${check.error}` }))
  else if (check.matches.length === 0) results.append(el('p', { className: 'empty', text: 'No recorded claim matches this text.' }))
  for (const match of check.matches) {
    const why = match.explanation.matchedTerms.length > 0 ? `shared words: ${match.explanation.matchedTerms.join(', ')}` : 'similar wording'
    results.append(card(match.claim, server, el('p', { className: 'why', text: `Match ${Math.round(match.score * 100)}% — ${why}` })))
  }
  checkSection.replaceChildren(el('h2', { text: 'Check this claim' }), el('p', { className: 'checked', text: `“${check.text.slice(0, 300)}”` }), results)
}

render().catch((err) => {
  (document.getElementById('page') as HTMLElement).textContent = `Could not load: ${String(err)}`
})
chrome.storage.onChanged.addListener((_changes, area) => { if (area === 'session') render().catch(() => {}) })
