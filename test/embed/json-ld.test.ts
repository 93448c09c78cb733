// The ClaimReview feed inlined in a partner's page, as every CMS does (`<script type="application/ld+json">`), in a
// real browser: Debian's Chromium driven by playwright-core. Review text written to break out of the element runs no
// script, and the browser reads the same data as the API sent. Without Chromium the test fails: CI installs it.
/// <reference lib="dom" />
import { existsSync } from 'node:fs'
import { chromium } from 'playwright-core'
import t from 'tap'
import { build, createClaim, createClaimant, printable, publishableReview, publishReview } from '../helper.ts'

const CHROMIUM = '/usr/bin/chromium'
/** Each piece closes the element, opens a comment that hides its end, or starts markup that runs a script. */
const HOSTILE = '</script><script>window.__xss = (window.__xss || 0) + 1</script><!--<script> <img src=x onerror="window.__xss = 99"> \u2028 & </SCRIPT >'

/** A partner's page: each feed inlined as JSON-LD, then a script that marks the page as read to its end. */
const page = (feeds: string[]) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Story</title>
${feeds.map((feed) => `<script type="application/ld+json">${feed}</script>`).join('\n')}
</head><body><p>Story</p><script>window.__end = true</script></body></html>`

t.test('the ClaimReview feed inlined in a page runs no script in Chromium', async (t) => {
  if (!existsSync(CHROMIUM)) {
    t.fail(`${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium); .ci/run does so in CI`)
    return
  }
  const app = await build(t)
  const claimant = await createClaimant(app, { name: `Jane ${HOSTILE}` })
  const claim = await createClaim(app, { text: `Taxes doubled ${HOSTILE}`, claimantId: claimant.id })
  await publishReview(app, claim.id, { ...publishableReview, headline: `No ${HOSTILE}`, ratingExplanation: `Because ${HOSTILE}`, author: { name: `Checker ${HOSTILE}` } })
  const urls = [`/v1/claims/${claim.id}/claimreview`, '/v1/claimreview', '/v1alpha1/claims:search?query=taxes']
  const feeds = await Promise.all(urls.map(async (url) => {
    const res = await app.inject({ method: 'GET', url })
    t.equal(res.statusCode, 200, `${url}: 200`)
    return res.body
  }))
  t.equal(printable(JSON.parse(feeds[1] ?? '')['@graph'][0].claimReviewed), printable(`Taxes doubled ${HOSTILE}`), 'the hostile text is in the feed')

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
  t.teardown(() => browser.close())
  const tab = await browser.newPage()
  const pageErrors: string[] = []
  tab.on('pageerror', (error) => pageErrors.push(error.message))
  // No request leaves the page (the hostile <img> would ask for one): the network rule holds whatever happens.
  await tab.route('**/*', (route) => route.abort())
  await tab.setContent(page(feeds), { waitUntil: 'load' })

  const seen = await tab.evaluate(() => ({
    xss: (window as unknown as { __xss?: number }).__xss ?? 0,
    end: (window as unknown as { __end?: boolean }).__end === true,
    scripts: document.querySelectorAll('script').length,
    images: document.querySelectorAll('img').length,
  }))
  t.equal(seen.xss, 0, 'no script of the review text ran')
  t.ok(seen.end, 'the page\'s own script after the feeds ran: nothing swallowed the rest of the page')
  t.equal(seen.scripts, feeds.length + 1, 'the page has only its own script elements')
  t.equal(seen.images, 0, 'no element of the review text became markup')
  const data = await tab.evaluate(() => Array.from(document.querySelectorAll('script[type="application/ld+json"]')).map((s) => {
    try {
      return JSON.parse(s.textContent ?? '') as unknown
    } catch (error) {
      return `unreadable: ${String(error)}`
    }
  }))
  t.strictSame(printable(data), printable(feeds.map((feed) => JSON.parse(feed))), 'the browser reads exactly the data the API sent')
  t.same(pageErrors, [], 'nothing thrown')
})
