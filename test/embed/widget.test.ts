// The verdict widget in a real browser: Debian's Chromium, driven by playwright-core, loads a partner page from
// another origin (its own server) whose CSS does its best to break the cards; the widget draws them from the running
// API. One browser for the file. Without Chromium the test fails: CI (.ci/run) installs it.
/// <reference lib="dom" />
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import { eq } from 'drizzle-orm'
import { chromium, type Page } from 'playwright-core'
import t from 'tap'
import { claims, reviews } from '../../src/db/schema.ts'
import { CHROMIUM, haveChromium } from '../browser.ts'
import { addAppearance, build, createClaim, createClaimant, createPublicClaim, publishableReview, publishReview, retractReview } from '../helper.ts'

const PARTNER = 'news.example.com'
const XSS = '<img src=x onerror="window.__xss = 1">Taxes <b>doubled</b> & "tripled"'
const TRICKY_LABEL = '<Half & "True"> \'ish\''

/** The partner's page: hostile CSS, one widget element of each kind, the badge as an image, and the script. */
const partnerPage = (api: string, ids: Record<string, string>, scriptSrc = `${api}/embed.js`) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Partner story</title>
<style>
  * { color: red !important; font: 30px "Comic Sans MS" !important; }
  div, article, p, a, h2, blockquote, strong, span { display: none !important; }
  [data-claimtrack-claim], [data-claimtrack-url] { visibility: hidden !important; opacity: 0 !important; height: 0 !important; overflow: hidden !important; }
  article { background: lime !important; }
</style></head><body><main>
  <div id="published" data-claimtrack-claim="${ids.published}"></div>
  <div id="xss" data-claimtrack-claim="${ids.xss}"></div>
  <div id="retracted" data-claimtrack-claim="${ids.retracted}"></div>
  <div id="unpublished" data-claimtrack-claim="${ids.unpublished}"></div>
  <div id="missing" data-claimtrack-claim="01900000-0000-7000-8000-000000000000"></div>
  <div id="bogus" data-claimtrack-claim="../../v1/claims"></div>
  <div id="self" data-claimtrack-url></div>
  <div id="other" data-claimtrack-url="https://elsewhere.example.org/nothing"></div>
  <img id="badge" alt="fact-check" src="${api}/v1/claims/${ids.xss}/badge.svg">
  <img id="retracted-badge" alt="fact-check" src="${api}/v1/claims/${ids.retracted}/badge.svg">
</main><script src="${scriptSrc}" async></script></body></html>`

/**
 * Serves `pages` by path, each with its own response headers; `/broken/embed.js` is the real script, under an API
 * that answers every call with a 503.
 */
async function partnerServer (
  pages: Map<string, { html: string; headers?: Record<string, string> }>,
  script: string
): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/'
    const page = pages.get(path)
    if (page !== undefined) { return res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...page.headers }).end(page.html) }
    if (path === '/broken/embed.js') return res.writeHead(200, { 'content-type': 'text/javascript' }).end(script)
    res.writeHead(503, { 'access-control-allow-origin': '*' }).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return server
}

/** Waits until every widget element of the page is drawn (not loading), and returns their states by id. */
async function settled (page: Page): Promise<Record<string, string>> {
  const selector = '[data-claimtrack-claim], [data-claimtrack-url]'
  await page.waitForFunction((s) => Array.from(document.querySelectorAll(s)).every((e) => /^(?!loading$)./.test(e.getAttribute('data-claimtrack-state') ?? '')), selector, { timeout: 15_000 })
  return page.evaluate((s) => Object.fromEntries(Array.from(document.querySelectorAll(s)).map((e) => [e.id, e.getAttribute('data-claimtrack-state') ?? ''])), selector)
}

/** The text a widget draws: its state or each part of its cards, one space between. */
const shadowText = (page: Page, id: string) => page.evaluate((id) => {
  const parts = document.getElementById(id)?.shadowRoot?.querySelectorAll('.state, article > *') ?? []
  return Array.from(parts).map((part) => part.textContent).join(' ')
}, id)

t.test('the widget in Chromium', async (t) => {
  if (!haveChromium(t)) return
  const app = await build(t)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const api = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`

  // What the API holds: a published verdict with claimant and appearance, one with hostile text, one retracted.
  const claimant = await createClaimant(app, { name: 'Jane <i>Doe</i>' })
  const published = await createPublicClaim(app, { text: 'The moon is made of cheese.', claimantId: claimant.id })
  const scale = await app.inject({ method: 'POST', url: '/v1/rating-scales', payload: { slug: 'tricky', name: 'Tricky', values: [{ key: 'good', label: 'Good', ratingValue: 1, verdict: 'true' }, { key: 'odd', label: TRICKY_LABEL, ratingValue: 0, verdict: 'mixed' }] } })
  t.equal(scale.statusCode, 201, scale.body)
  const xss = await createClaim(app, { text: XSS, claimantId: claimant.id })
  const xssReview = await publishReview(app, xss.id, { ...publishableReview, ratingScale: 'tricky', rating: 'odd' })
  // Data that did not come through the API (an import, an old row): a link that is not http(s) is never drawn.
  await app.db.update(reviews).set({ url: 'javascript:window.__xss=2' }).where(eq(reviews.id, xssReview.id))
  const retracted = await createClaim(app, { text: 'Bridges float.' })
  const withdrawn = await retractReview(app, retracted.id, (await publishReview(app, retracted.id)).id, 'The source was a <b>parody</b> site.')
  const unpublished = await createClaim(app, { text: 'Nobody has checked this yet.' })
  await app.db.update(claims).set({ isPublic: true }).where(eq(claims.id, unpublished.id))

  const pages = new Map<string, { html: string, headers?: Record<string, string> }>()
  const script = (await app.inject({ url: '/embed.js' })).body
  const partner = await partnerServer(pages, script)
  t.teardown(() => new Promise((resolve) => partner.close(resolve)))
  const origin = `http://${PARTNER}:${(partner.address() as AddressInfo).port}`
  await addAppearance(app, published.id, `${origin}/story`)
  pages.set('/story', { html: partnerPage(api, { published: published.id, xss: xss.id, retracted: retracted.id, unpublished: unpublished.id }) })
  const alone = (id: string, src: string) => `<!doctype html><html lang="en"><title>${id}</title><div id="${id}" data-claimtrack-claim="${published.id}"></div><script src="${src}"></script></html>`
  pages.set('/broken', { html: alone('down', '/broken/embed.js') })
  // A strict partner: scripts and requests to the API allowed, no inline style at all.
  pages.set('/strict', { html: alone('strict', `${api}/embed.js`), headers: { 'content-security-policy': `default-src 'none'; script-src ${api}; connect-src ${api}` } })

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Without the background-networking flags Chromium's own connections are refused by a closed network.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--host-resolver-rules=MAP ${PARTNER} 127.0.0.1`],
  })
  t.teardown(() => browser.close())
  const context = await browser.newContext({ colorScheme: 'light' })
  const page = await context.newPage()
  const pageErrors: string[] = []
  page.on('pageerror', (error) => pageErrors.push(error.message))
  await page.goto(`${origin}/story`)
  const states = await settled(page)

  t.test('every element of the page gets its state', async (t) => {
    t.same(states, { published: 'ready', xss: 'ready', retracted: 'retracted', unpublished: 'no-verdict', missing: 'not-found', bogus: 'not-found', self: 'ready', other: 'no-fact-check' })
    t.same(pageErrors, [], 'nothing thrown on the host page')
  })

  t.test('a claim by id: claim, claimant, verdict label in colour and words, a named link to the fact-check', async (t) => {
    t.equal(await shadowText(page, 'published'), 'Fact-check by Example Fact Check The moon is made of cheese. Claimed by Jane <i>Doe</i> Verdict: False No. Read the fact-check')
    const card = page.locator('#published').getByRole('article', { name: 'Fact-check by Example Fact Check' })
    t.ok(await card.isVisible(), 'visible whatever the host page\'s CSS says')
    const link = card.getByRole('link', { name: 'Read the fact-check about “The moon is made of cheese.”', exact: true })
    t.equal(await link.getAttribute('href'), 'https://factcheck.example.org/moon')
    t.equal(await link.getAttribute('rel'), 'noopener noreferrer')
    const label = card.locator('strong.label')
    t.equal(await label.textContent(), 'False')
    const look = await label.evaluate((e) => {
      const s = getComputedStyle(e)
      return { background: s.backgroundColor, color: s.color, display: s.display }
    })
    t.same(look, { background: 'rgb(192, 39, 31)', color: 'rgb(255, 255, 255)', display: 'inline-block' }, 'white on the red of false')
    const claimColour = await card.locator('blockquote').evaluate((e) => getComputedStyle(e).color)
    t.equal(claimColour, 'rgb(31, 35, 40)', 'not the host page\'s red')
    t.equal(await page.locator('#published').evaluate((e) => e.shadowRoot?.querySelector('.box')?.getAttribute('lang')), 'en')

    await page.emulateMedia({ colorScheme: 'dark' })
    t.equal(await card.evaluate((e) => getComputedStyle(e).backgroundColor), 'rgb(22, 27, 34)', 'dark when the reader prefers it')
    await page.emulateMedia({ colorScheme: 'light' })
    t.equal(await card.evaluate((e) => getComputedStyle(e).backgroundColor), 'rgb(255, 255, 255)')
  })

  t.test('data is text: markup in a claim, a claimant or a label is shown, never run; a javascript: link is dropped', async (t) => {
    t.equal(await shadowText(page, 'xss'), `Fact-check by Example Fact Check ${XSS} Claimed by Jane <i>Doe</i> Verdict: ${TRICKY_LABEL} (Mixed) No.`)
    t.equal(await page.locator('#xss blockquote p').textContent(), XSS)
    const injected = await page.evaluate(() => ({
      elements: document.getElementById('xss')?.shadowRoot?.querySelectorAll('img, b, i, a').length,
      xss: (window as unknown as { __xss?: number }).__xss ?? null,
    }))
    t.same(injected, { elements: 0, xss: null }, 'no element from the data, no script run, no link')
  })

  t.test('a retracted verdict: the card says so, with what was withdrawn, the date and the reason', async (t) => {
    const day = new Date(withdrawn.retractedAt).toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' })
    t.equal(await shadowText(page, 'retracted'), `Fact-check by Example Fact Check Bridges float. Verdict: Retracted The verdict False was retracted on ${day}: The source was a <b>parody</b> site. Read the fact-check`)
    const card = page.locator('#retracted').getByRole('article', { name: 'Fact-check by Example Fact Check' })
    t.ok(await card.isVisible())
    const label = card.locator('strong.label')
    const look = await label.evaluate((e) => {
      const s = getComputedStyle(e)
      return { background: s.backgroundColor, color: s.color }
    })
    t.same(look, { background: 'rgb(36, 41, 47)', color: 'rgb(255, 255, 255)' }, 'white on near black: neither true nor false')
    t.equal(await card.locator('.withdrawn').evaluate((e) => getComputedStyle(e).textDecorationLine), 'line-through', 'the withdrawn label struck through')
    t.equal(await card.getByRole('note').count(), 1, 'the retraction is a note for screen readers')
    t.equal(await page.locator('#retracted b').count(), 0, 'the reason is text')
  })

  t.test('the badge of a retracted verdict: drawn, with state, date and reason', async (t) => {
    const badge = await page.locator('#retracted-badge').evaluate(async (img: HTMLImageElement) => {
      await img.decode()
      const text = await (await fetch(img.src)).text()
      const doc = new DOMParser().parseFromString(text, 'image/svg+xml')
      return { width: img.naturalWidth, errors: doc.getElementsByTagName('parsererror').length, title: doc.querySelector('title')?.textContent, shown: Array.from(doc.querySelectorAll('text')).map((e) => e.textContent) }
    })
    const day = String(withdrawn.retractedAt).slice(0, 10)
    t.ok(badge.width > 100, `drawn ${badge.width} px wide`)
    t.same(badge, { width: badge.width, errors: 0, title: `fact-check: Retracted ${day} (was False: The source was a <b>parody</b> site.)`, shown: ['fact-check', `Retracted ${day}`] })
  })

  t.test('the states: no published verdict, not found, no fact-check of a page; by the page\'s own URL', async (t) => {
    t.equal(await shadowText(page, 'unpublished'), 'Fact-check Nobody has checked this yet. Verdict: No published verdict yet')
    t.equal(await shadowText(page, 'missing'), 'This claim was not found.')
    t.equal(await shadowText(page, 'bogus'), 'This claim was not found.', 'an id that is not one is never sent as a path')
    t.equal(await shadowText(page, 'other'), 'No fact-check of this page yet.')
    t.equal(await shadowText(page, 'self'), await shadowText(page, 'published'), 'the claims that appeared at this very page')
    t.equal(await page.locator('#self').getByRole('article').count(), 1)
  })

  t.test('an API that fails: the error state, and the host page unharmed', async (t) => {
    const broken = await context.newPage()
    await broken.goto(`${origin}/broken`)
    t.same(await settled(broken), { down: 'error' })
    t.equal(await shadowText(broken, 'down'), 'The fact-check could not be loaded.')
    await broken.close()
  })

  t.test('a page whose Content-Security-Policy forbids inline style still gets a styled card', async (t) => {
    const strict = await context.newPage()
    const violations: string[] = []
    strict.on('console', (message) => { if (message.type() === 'error') violations.push(message.text()) })
    await strict.goto(`${origin}/strict`)
    t.same(await settled(strict), { strict: 'ready' })
    const label = strict.locator('#strict strong.label')
    t.equal(await label.evaluate((e) => getComputedStyle(e).backgroundColor), 'rgb(192, 39, 31)', 'the style sheet applies')
    t.same(violations, [], 'no CSP violation reported')
    const inline = await strict.evaluate(() => {
      const style = document.createElement('style')
      style.textContent = 'body { background: rgb(1, 2, 3) }'
      document.head.append(style)
      return getComputedStyle(document.body).backgroundColor
    })
    t.not(inline, 'rgb(1, 2, 3)', 'while the policy does block a <style> element')
    await strict.close()
  })

  t.test('the badge: an SVG image the browser draws, valid XML with its label escaped', async (t) => {
    const badge = await page.locator('#badge').evaluate(async (img: HTMLImageElement) => {
      await img.decode()
      const text = await (await fetch(img.src)).text()
      const doc = new DOMParser().parseFromString(text, 'image/svg+xml')
      return { width: img.naturalWidth, errors: doc.getElementsByTagName('parsererror').length, title: doc.querySelector('title')?.textContent }
    })
    t.ok(badge.width > 100, `drawn ${badge.width} px wide`)
    t.same({ errors: badge.errors, title: badge.title }, { errors: 0, title: `fact-check: ${TRICKY_LABEL}` })
  })

  t.test('a screenshot of a card', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'claimtrack-widget-'))
    t.teardown(() => rm(dir, { recursive: true, force: true }))
    const path = join(dir, 'card.png')
    await page.locator('#published').screenshot({ path })
    const png = await readFile(path)
    t.ok(png.length > 1000, `${png.length} bytes`)
    t.same([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG')
  })

  t.test('screenshots of the retracted card and badge, kept in the test output', async (t) => {
    // Kept for a person to look at: tap's own output folder (.tap/, ignored by git), one file per run of this test.
    const dir = join(process.cwd(), '.tap', 'screenshots')
    await mkdir(dir, { recursive: true })
    for (const [id, name] of [['retracted', 'widget-retracted.png'], ['retracted-badge', 'badge-retracted.png']] as const) {
      const path = join(dir, name)
      await page.locator(`#${id}`).screenshot({ path })
      const png = await readFile(path)
      t.same([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], `${name}: a PNG of ${png.length} bytes`)
      t.comment(`screenshot: ${path}`)
    }
  })
})
