// `node bench/capture.ts --root <checkout>`: builds the app of a checkout (this one, or the --baseline of
// `npm run bench`) on DATABASE_URL with drizzle's query logger (`createDatabase({ logQuery })`), sends each probe
// read as JSON from stdin through `app.inject`, and prints what each sent to Postgres as JSON on stdout. A
// conditional probe is sent once to learn its ETag, then again with If-None-Match; only the second is recorded.
// The rest of the environment (REDIS_URL, rate limits ...) is the API's, so the statements are those it sends.
import { text } from 'node:stream/consumers'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import type { Captured, RawInputs, RouteKey } from './lib/replay.ts'

export interface Probe { route: RouteKey, method: 'GET' | 'POST', url: string, payload?: object, conditional?: boolean, raw: RawInputs }
export interface ProbeResult { route: RouteKey, raw: RawInputs, status: number, statements: Captured[] }

const { values } = parseArgs({ options: { root: { type: 'string', default: '.' } } })
const root = resolve(values.root)
const load = async <T>(path: string) => await import(pathToFileURL(join(root, path)).href) as T
const { buildApp } = await load<typeof import('../src/app.ts')>('src/app.ts')
const { parseConfig } = await load<typeof import('../src/config.ts')>('src/config.ts')
const { createDatabase } = await load<typeof import('../src/db/client.ts')>('src/db/client.ts')

const probes = JSON.parse(await text(process.stdin)) as Probe[]
// No load shedding: on a busy machine the capture's own start-up would be answered 503 (it sends no SQL either way).
const config = parseConfig({ ...process.env, LOG_LEVEL: 'silent', LOAD_SHED_EVENT_LOOP_DELAY: '0' })
const captured: Captured[] = []
const database = await createDatabase({ ...config, logQuery: (query, params) => { captured.push({ query, params }) } })
const app = await buildApp(config, { database })
const results: ProbeResult[] = []
try {
  await app.ready()
  for (const probe of probes) {
    const request = {
      method: probe.method,
      url: probe.url,
      ...(probe.payload !== undefined && { payload: probe.payload }),
    }
    const headers: Record<string, string> = {}
    // A busy database can answer 503 (acquire timeout): asked again, up to 10 times.
    const send = async (extra: Record<string, string> = {}) => {
      for (let attempt = 1; ; attempt++) {
        captured.length = 0
        const response = await app.inject({ ...request, headers: extra })
        if (response.statusCode !== 503 || attempt === 10) return response
        await new Promise((resolve) => setTimeout(resolve, 500))
      }
    }
    if (probe.conditional) {
      const first = await send()
      const etag = first.headers.etag
      if (typeof etag !== 'string') throw new Error(`${probe.method} ${probe.url} answered ${first.statusCode} without an ETag`)
      headers['if-none-match'] = etag
    }
    const response = await send(headers)
    results.push({ route: probe.route, raw: probe.raw, status: response.statusCode, statements: captured.splice(0) })
  }
} finally {
  await app.close()
}
process.stdout.write(JSON.stringify(results))
