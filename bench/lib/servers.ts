// The processes and databases of a `npm run bench` run: working copies of the data set (the API writes: rate-limit
// counters without Redis, its instance registry, created claims), an admin key made by each checkout's own CLI,
// the API of a checkout and the floor server in processes of their own, and the SQL capture of a checkout.
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { once } from 'node:events'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import type { Probe, ProbeResult } from '../capture.ts'

const run = promisify(execFile)
export const root = fileURLToPath(new URL('../..', import.meta.url))
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export const withDatabase = (url: string, name: string) => {
  const u = new URL(url)
  u.pathname = `/${name}`
  return u.toString()
}
const connection = (url: string) => {
  const u = new URL(url)
  return ['-h', u.hostname, '-p', u.port || '5432', '-U', decodeURIComponent(u.username || 'postgres')]
}

/**
 * `createdb -T` (the name is the run's own): refused while anyone is connected to the source, so tried for a minute.
 */
export async function copyDatabase (sourceUrl: string, name: string) {
  const source = new URL(sourceUrl).pathname.slice(1)
  for (let attempt = 1; ; attempt++) {
    try {
      await run('createdb', [...connection(sourceUrl), '-T', source, name])
      return withDatabase(sourceUrl, name)
    } catch (err) {
      if (attempt >= 30 || !String((err as { stderr?: string }).stderr).includes('being accessed by other users')) throw err
      await sleep(2000)
    }
  }
}

export const dropDatabase = (url: string) => run('dropdb', [...connection(url), '--if-exists', '--force', new URL(url).pathname.slice(1)])

/** An admin key of organisation `bench`, made by the checkout's own `claimtrack keys create` (which migrates). */
export async function adminKey (checkout: string, env: Record<string, string>) {
  const { stdout } = await run(process.execPath, ['src/cli/bin.mjs', 'keys', 'create', '--org', 'bench', '--role', 'admin'], { cwd: checkout, env: { ...process.env, ...env } })
  return stdout.trim()
}

export interface Server { child: ChildProcess, url: string, pid: number, stop: () => Promise<void> }

/** Starts `node <script>` in `cwd` on a free port and waits until it answers /healthz. */
export async function startServer (
  cwd: string,
  script: string,
  env: Record<string, string>,
  what: string
): Promise<Server> {
  const port = 20_000 + Math.floor(Math.random() * 30_000)
  const child = spawn(process.execPath, [script], {
    cwd,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const exited = once(child, 'exit')
  const url = `http://127.0.0.1:${port}`
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      await exited
    }
  }
  for (let i = 0; i < 1800; i++) {
    if (child.exitCode !== null) throw new Error(`${what} exited at start: ${stderr}`)
    try {
      if ((await fetch(`${url}/healthz`)).ok) return { child, url, pid: child.pid as number, stop }
    } catch {}
    await sleep(100)
  }
  child.kill('SIGKILL')
  throw new Error(`${what} did not start within 180 s: ${stderr}`)
}

/** What the app of `checkout` sends to Postgres for each probe (bench/capture.ts, in a process of its own). */
export async function capture (checkout: string, env: Record<string, string>, probes: Probe[]): Promise<ProbeResult[]> {
  const child = spawn(process.execPath, [join(root, 'bench/capture.ts'), '--root', checkout], { cwd: checkout, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'inherit'] })
  child.stdin?.end(JSON.stringify(probes))
  let out = ''
  child.stdout?.on('data', (chunk: Buffer) => { out += chunk.toString() })
  const [code] = await once(child, 'exit') as [number | null]
  if (code !== 0) throw new Error(`bench/capture.ts --root ${checkout} exited with ${code}`)
  return JSON.parse(out) as ProbeResult[]
}

/** The ETags an API gives 100 claims and 100 pages, for the conditional (304) workloads; 10 requests at a time. */
export async function etagsOf (apiUrl: string, ids: string[], urls: string[]) {
  const etags = async (paths: Array<[string, string]>) => {
    const found: Array<[string, string]> = []
    for (let i = 0; i < paths.length; i += 10) {
      await Promise.all(paths.slice(i, i + 10).map(async ([input, path]) => {
        const res = await fetch(`${apiUrl}${path}`)
        await res.arrayBuffer()
        const etag = res.headers.get('etag')
        if (etag) found.push([input, etag])
      }))
    }
    return found
  }
  return {
    claims: await etags(ids.slice(0, 100).map((id) => [id, `/v1/claims/${id}`])),
    pages: await etags(urls.slice(0, 100).map((url) => [url, `/v1/lookup?url=${encodeURIComponent(url)}`])),
  }
}
export type Etags = Awaited<ReturnType<typeof etagsOf>>

/** How long an API took to build its match index after it started serving, and its memory then. */
export interface MatchIndexReady { state: string, waitedSeconds: number, rssMb: number | null }

/**
 * Waits until the API's `/readyz` no longer says `matchIndex: building` (an API without the field, or with the
 * index off, is ready at once), so that matching rounds measure the index rather than the SQL path it falls back to.
 */
export async function matchIndexReady (server: Pick<Server, 'url' | 'pid'>, what: string, timeoutSeconds = 3600): Promise<MatchIndexReady> {
  const started = Date.now()
  for (;;) {
    // Not ready (503: shedding load while it builds, or the database) counts as building.
    const body: { matchIndex?: string } | null = await fetch(`${server.url}/readyz`).then((r) => (r.ok ? r.json() : null), () => null)
    const state = body === null ? 'building' : body.matchIndex ?? 'not reported'
    if (state !== 'building') {
      return { state, waitedSeconds: Math.round((Date.now() - started) / 100) / 10, rssMb: rssMbOf(server.pid) }
    }
    if (Date.now() - started > timeoutSeconds * 1000) throw new Error(`${what}: match index still building after ${timeoutSeconds} s`)
    await sleep(1000)
  }
}

/** The resident memory of a process (VmRSS), in MB; null where /proc has no such process. */
export function rssMbOf (pid: number): number | null {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]
    return kb === undefined ? null : Math.round(Number(kb) / 1024)
  } catch {
    return null
  }
}
