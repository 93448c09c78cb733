// GET /embed.js as HTTP: a script loadable from any site, cacheable, with the verdict colours put in. What it draws in
// a browser is test/embed/widget.test.ts.
import t from 'tap'
import { anonymous, build } from '../helper.ts'
import { embedScript } from '../../src/routes/embed.ts'
import { scriptSafeJson } from '../../src/lib/render/script-safe-json.ts'
import { noVerdictStyle, retractedStyle, verdictStyles } from '../../src/lib/render/verdict-style.ts'

t.test('a script any site may load: JavaScript content type, cross-origin, cacheable with a strong ETag', async (t) => {
  const app = await build(t)
  const res = await app.inject({ url: '/embed.js', headers: { ...anonymous, origin: 'https://partner.example.com' } })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'text/javascript; charset=utf-8')
  t.equal(res.headers['cross-origin-resource-policy'], 'cross-origin', 'a page of another site may run it')
  t.equal(res.headers['access-control-allow-origin'], '*')
  t.equal(res.headers['x-content-type-options'], 'nosniff')
  t.equal(res.headers['cache-control'], 'public, max-age=600, stale-while-revalidate=600')
  t.equal(res.body, embedScript())
  const etag = res.headers.etag as string
  t.match(etag, /^"[\w-]+"$/)
  const again = await app.inject({ url: '/embed.js', headers: { ...anonymous, 'if-none-match': etag } })
  t.equal(again.statusCode, 304)
  t.equal(again.body, '')
  t.equal((await app.inject({ url: '/embed.js', headers: { 'if-none-match': etag } })).statusCode, 304, 'the same with a key')
})

t.test('the verdict styles of the badges are in the script, in place of its placeholder', async (t) => {
  const script = embedScript()
  t.notMatch(script, '/* verdict styles */ null')
  t.match(script, `})(${scriptSafeJson(JSON.stringify({ verdicts: verdictStyles, none: noVerdictStyle, retracted: retractedStyle }))})`)
  t.notMatch(script, /innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/, 'never parses data as HTML or code')
})
