// The API reference at /docs in Chromium: titled "Claimtrack API", none of the hosted service's buttons (the API
// client app, Ask AI, MCP, the developer toolbar with Deploy and Share), nothing loaded from anywhere but this server,
// nothing blocked by its Content-Security-Policy, and code samples that name this server.
import type { AddressInfo } from 'node:net'
import { chromium } from 'playwright-core'
import t from 'tap'
import { CHROMIUM, chromiumArgs, haveChromium } from '../browser.ts'
import { build } from '../helper.ts'

t.test('the /docs page as served', async (t) => {
  const app = await build(t)
  const page = await app.inject({ method: 'GET', url: '/docs/' })
  t.equal(page.statusCode, 200)
  t.match(page.body, /<title>Claimtrack API<\/title>/)
  t.equal(page.headers['cache-control'], 'public, max-age=300')
  t.notMatch(page.body, /https?:\/\/(?!127\.0\.0\.1)[a-z0-9.-]+\.[a-z]{2,}\//i, 'no outside URL in the page')
})

t.test('/docs in Chromium', async (t) => {
  if (!haveChromium(t)) return
  const app = await build(t)
  await app.listen({ port: 0, host: '127.0.0.1' })
  const origin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: chromiumArgs })
  t.teardown(() => browser.close())
  const page = await browser.newPage()
  const outside: string[] = []
  const problems: string[] = []
  page.on('request', (request) => { if (!request.url().startsWith(origin) && !request.url().startsWith('data:')) outside.push(request.url()) })
  page.on('console', (message) => {
    // The browser's own request for /favicon.ico (there is none) is not the page's doing.
    if (message.location().url === `${origin}/favicon.ico`) return
    if (message.type() === 'error' || /Content Security Policy/i.test(message.text())) problems.push(`${message.text()} (${message.location().url})`)
  })
  page.on('pageerror', (error) => problems.push(error.message))
  page.on('response', (response) => { if (response.status() >= 400) problems.push(`${response.status()} ${response.url()}`) })
  await page.goto(`${origin}/docs/`)
  await page.waitForFunction(() => document.body.innerText.includes('Problem types'), undefined, { timeout: 60_000 })
  t.equal(await page.title(), 'Claimtrack API')
  const text = await page.locator('body').innerText()
  for (const hosted of ['Ask AI', 'Generate MCP', 'Deploy', 'Share', 'Open API Client']) {
    t.notOk(text.includes(hosted), `no "${hosted}"`)
  }
  t.same(outside, [], 'nothing requested from another host')
  t.same(problems, [], 'no errors, nothing blocked by the Content-Security-Policy')
  t.match(text, new RegExp(`${origin.replace(/[.:/]/g, '\\$&')}`), 'code samples name this server')
})
