// The reference extension in a real browser: Debian's Chromium (playwright-core) loads the built extension/dist into
// a persistent context, pointed at the real app with the demo data. A page with a published fact-check gets the badge
// and its verdict in the popup; pages without one send nothing, which the server's access log shows; "Check this
// claim" on selected text shows matches. Popup screenshots are saved under .tap/extension-screenshots/.
/// <reference lib="dom" />
/// <reference types="chrome" />
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { chromium, type Worker } from 'playwright-core'
import t from 'tap'
import { canonicalizeUrl } from '../../src/lib/url-canonical.ts'
import { urlHash } from '../../src/lib/url-hash.ts'
import { DEMO_ORGANIZATION } from '../../src/seed/demo.ts'
import { systemContext } from '../../src/services/history.ts'
import { anonymous, build } from '../helper.ts'

const CHROMIUM = '/usr/bin/chromium'
const SITE = 'news.example.com'
const SCREENSHOTS = join(import.meta.dirname, '..', '..', '.tap', 'extension-screenshots')
const DEMO_CLAIM = 'He could end the war in Ukraine within 24 hours of taking office.'
const SPOKEN = 'Trump said he could end the war in Ukraine within 24 hours.'

const article = (title: string, text: string) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1><p id="quote">${text}</p></body></html>`

async function site (): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/'
    if (path === '/favicon.ico') return res.writeHead(404).end()
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(article(`Story ${path}`, path === '/interview' ? SPOKEN : 'Nothing checked here.'))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return server
}

/** Polls a function in the service worker until it returns something truthy. */
async function until<T> (
  worker: Worker,
  fn: (arg: string) => Promise<T>,
  arg: string,
  what: string
): Promise<NonNullable<T>> {
  const deadline = Date.now() + 20_000
  for (;;) {
    const value = await worker.evaluate(fn, arg)
    if (value) return value as NonNullable<T>
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

t.test('the extension in Chromium', async (t) => {
  if (!existsSync(CHROMIUM)) {
    t.fail(`${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium); .ci/run does so in CI`)
    return
  }
  const dir = t.testdir()
  const dist = join(dir, 'dist')
  execFileSync(process.execPath, [join(import.meta.dirname, '..', '..', 'extension', 'build.ts'), dist], { stdio: 'pipe' })

  // The real app with the demo data, and its access log: every request line the server received.
  const app = await build(t, { env: { SEED_DEMO: 'true' } })
  const log: string[] = []
  app.addHook('onRequest', async (request) => { log.push(`${request.method} ${request.url} ${request.headers.authorization ?? ''}`) })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const api = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  const pages = await site()
  t.teardown(() => new Promise<void>((resolve) => pages.close(() => resolve())))
  const origin = `http://${SITE}:${(pages.address() as AddressInfo).port}`

  // The demo's published claim also appeared in the site's story (written as the demo desk would).
  const match = await app.inject({ method: 'POST', url: '/v1/claims/match', headers: anonymous, payload: { text: DEMO_CLAIM, limit: 1 } })
  const demoClaim = match.json().data[0].claim
  t.equal(demoClaim.text, DEMO_CLAIM)
  t.equal(demoClaim.currentVerdict.rating.verdict, 'false', 'the demo claim has a published verdict')
  const { organization } = await app.services.organizations.ensure(DEMO_ORGANIZATION)
  await app.services.appearances.create(demoClaim.id, { url: `${origin}/news/story?id=7`, title: 'The story' }, systemContext(organization.id))

  const context = await chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    colorScheme: 'light',
    args: [
      `--disable-extensions-except=${dist}`, `--load-extension=${dist}`,
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync',
      `--host-resolver-rules=MAP ${SITE} 127.0.0.1`,
    ],
  })
  t.teardown(() => context.close())
  const worker = context.serviceWorkers()[0] ?? await context.waitForEvent('serviceworker', { timeout: 20_000 })
  const extensionId = new URL(worker.url()).host

  // Point the extension at the test server, as the options page would, and wait for its prefix list.
  await worker.evaluate((server) => chrome.storage.sync.set({ server }), api)
  const listSize = await until(worker, async (server) => {
    const { prefixList } = await chrome.storage.local.get('prefixList') as { prefixList?: { server: string, prefixes: number[] } }
    return prefixList?.server === server ? prefixList.prefixes.length : 0
  }, api, 'the prefix list')
  const served = (await app.inject({ method: 'GET', url: '/v1/lookup/prefix-list', headers: anonymous })).json()
  t.equal(listSize, served.count, 'the extension holds the server\'s list')
  t.ok(served.count >= 1)

  // The tab's check of this URL: the tab is reused, and until the extension starts checking a page it has just
  // navigated to, the stored check is still the previous page's.
  const badgeOf = (url: string) => until(worker, async (arg) => {
    const [url, canonical] = JSON.parse(arg) as [string, string]
    const [tab] = await chrome.tabs.query({ url })
    if (tab?.id === undefined) return null
    const stored = await chrome.storage.session.get(`tab:${tab.id}`) as Record<string, { canonicalUrl?: string } | undefined>
    if (stored[`tab:${tab.id}`]?.canonicalUrl !== canonical) return null
    return {
      tabId: tab.id,
      text: await chrome.action.getBadgeText({ tabId: tab.id }),
      colour: await chrome.action.getBadgeBackgroundColor({ tabId: tab.id }),
    }
  }, JSON.stringify([url, canonicalizeUrl(url)]), `the check of ${url}`)

  const before = log.length
  // Pages without a fact-check: nothing about them may reach the server.
  const quiet = Array.from({ length: 9 }, (_, i) => `${origin}/news/other-${i}?utm_source=newsletter&id=${i}`)
  const page = await context.newPage()
  for (const url of quiet) {
    await page.goto(url)
    t.equal((await badgeOf(url)).text, '', `no badge on ${url}`)
  }
  // The page with the fact-check, reached with tracking parameters.
  const hitUrl = `${origin}/news/story?utm_source=twitter&id=7&fbclid=abc#comments`
  await page.goto(hitUrl)
  const hit = await badgeOf(hitUrl.replace(/#.*$/, ''))
  t.equal(hit.text, '1', 'the badge counts the claim')
  t.same(hit.colour, [0xc0, 0x27, 0x1f, 255], 'in the colour of a false verdict')

  t.test('the server learns one prefix: no URL, no hash, nothing for pages without a fact-check', async (t) => {
    const sent = log.slice(before)
    const hitHash = urlHash(canonicalizeUrl(hitUrl) as string)
    t.same(sent.map((line) => line.trim()), [`GET /v1/lookup/prefixes/${hitHash.slice(0, 8)}`], 'ten pages visited, one request: the prefix of the one with a fact-check')
    for (const url of [...quiet, hitUrl]) {
      const canonical = canonicalizeUrl(url) as string
      const hash = urlHash(canonical)
      for (const line of log) {
        for (const secret of [url, encodeURIComponent(url), canonical, encodeURIComponent(canonical), new URL(url).pathname, hash]) t.notOk(line.includes(secret), `${secret} never sent`)
        if (url !== hitUrl) t.notOk(line.includes(hash.slice(0, 8)), `no prefix of ${url}`)
      }
    }
    t.ok(log.every((line) => /^GET \/v1\/lookup\/prefix(-list|es\/)/.test(line) || line.startsWith('POST /v1/claims/match')), `only the list and prefixes: ${log.join('\n')}`)
  })

  await mkdir(SCREENSHOTS, { recursive: true })
  t.test('the popup shows the verdict card', async (t) => {
    const popup = await context.newPage()
    await popup.setViewportSize({ width: 420, height: 520 })
    await popup.goto(`chrome-extension://${extensionId}/popup.html?tab=${hit.tabId}`)
    const card = popup.getByRole('article', { name: 'Fact-check: False' })
    await card.waitFor({ timeout: 15_000 })
    const text = await card.innerText()
    t.match(text, DEMO_CLAIM)
    t.match(text, 'Said by Donald Trump')
    t.match(text, /^Verdict: False$/m)
    const link = card.getByRole('link', { name: /Read the fact-check by Claimtrack demo desk/ })
    t.equal(await link.getAttribute('href'), 'https://demo.claimtrack.invalid/fact-checks/end-the-war-in-24-hours')
    t.match(await popup.getByRole('heading', { level: 2 }).first().innerText(), 'This page: 1 fact-checked claim')
    await popup.screenshot({ path: join(SCREENSHOTS, 'popup-verdict.png') })
    await popup.close()
  })

  t.test('Check this claim: the selected text, matched on the server, shown with scores and why', async (t) => {
    await page.goto(`${origin}/interview`)
    // Select the quote as a reader would; the context menu hands the selection to the same function as below.
    const selected = await page.evaluate(() => {
      const range = document.createRange()
      range.selectNodeContents(document.getElementById('quote') as HTMLElement)
      const selection = getSelection() as Selection
      selection.removeAllRanges()
      selection.addRange(range)
      return selection.toString()
    })
    t.equal(selected, SPOKEN)
    const items = await worker.evaluate(async () => (await chrome.contextMenus.onClicked.hasListeners()), '')
    t.ok(items, 'the context menu is wired')
    const check = await worker.evaluate(
      (text) =>
        (
          globalThis as unknown as {
            claimtrack: {
              checkSelection: (
                text: string,
              ) => Promise<{ matches: Array<{ claim: { text: string } }>; error: string | null }>
            }
          }
        ).claimtrack.checkSelection(text),
      selected
    )
    t.equal(check.error, null)
    t.equal(check.matches[0]?.claim.text, DEMO_CLAIM, 'the demo claim matches first')
    t.match(log.at(-1), /^POST \/v1\/claims\/match $/, 'sent only on the user\'s action, without a key when none is set')

    const popup = await context.newPage()
    await popup.setViewportSize({ width: 420, height: 720 })
    await popup.goto(`chrome-extension://${extensionId}/popup.html?tab=${hit.tabId}`)
    const why = popup.locator('#check .why').first()
    await why.waitFor({ timeout: 15_000 })
    t.match(await why.innerText(), /^Match \d+% — shared words: .*ukraine/)
    t.match(await popup.locator('#check').innerText(), SPOKEN)
    await popup.screenshot({ path: join(SCREENSHOTS, 'popup-check.png'), fullPage: true })
    await popup.close()
  })
})
