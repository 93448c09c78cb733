// The extension canonicalises exactly as the server does: the built background bundle (what ships in the zip) runs
// in a node VM with a stand-in `chrome`, and its canonicalizeUrl and SHA-256 prefix agree with src/lib on the table
// of test/lib/url-canonical.test.ts.
import { execFileSync } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { createContext, runInContext } from 'node:vm'
import t from 'tap'
import { canonicalizeUrl } from '../../src/lib/url-canonical.ts'
import { urlHash } from '../../src/lib/url-hash.ts'
import { cases } from '../lib/url-canonical-cases.ts'

const event = { addListener () {} }
const area = { get: async () => ({}), set: async () => {}, remove: async () => {} }
const chrome = {
  runtime: { onInstalled: event, onStartup: event },
  alarms: { create () {}, onAlarm: event },
  storage: { sync: area, local: area, session: area, onChanged: event },
  tabs: { onUpdated: event, onRemoved: event },
  contextMenus: { create () {}, onClicked: event },
  action: {},
}

t.test('the bundled canonicaliser agrees with the server on every case', async (t) => {
  const dir = t.testdir()
  execFileSync(process.execPath, [join(import.meta.dirname, '..', '..', 'extension', 'build.ts'), join(dir, 'dist')], { stdio: 'pipe' })
  const code = await readFile(join(dir, 'dist', 'background.js'), 'utf8')
  t.notMatch(code, /\beval\(|new Function\(/, 'no eval in the bundle')
  t.notMatch(code, /^\s*(import|export)\b/m, 'one self-contained script')

  const sandbox: Record<string, unknown> = { chrome, URL, URLSearchParams, TextEncoder, crypto, atob, btoa, console, fetch: async () => { throw new Error('no network in this test') } }
  sandbox.globalThis = sandbox
  runInContext(code, createContext(sandbox))
  const extension = sandbox.claimtrack as { canonicalizeUrl: (url: string) => string | null }
  t.type(extension?.canonicalizeUrl, 'function')

  t.ok(cases.length >= 40)
  for (const [input] of cases) {
    const server = canonicalizeUrl(input)
    const bundled = extension.canonicalizeUrl(input)
    t.equal(bundled, server, JSON.stringify(input))
    if (server !== null && bundled !== null) {
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(bundled)))
      t.equal(Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join(''), urlHash(server), `same hash: ${server}`)
    }
  }
})
