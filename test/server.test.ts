// src/server.ts as a real process: it starts on the embedded database with the demo, serves HTTP, and exits 0 on
// SIGTERM; a bad configuration stops it at once with a readable message.
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { access, mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import t, { type Test } from 'tap'
import { freshDatabase, migratedPgliteDir, onServer } from './helper.ts'
import { freePort, nodeFlags } from './processes.ts'

const root = fileURLToPath(new URL('..', import.meta.url))

interface Exit { code: number | null, signal: NodeJS.Signals | null }

/**
 * Starts `node src/server.ts` with a clean environment: no DATABASE_URL (the embedded default is under
 * test), nothing of tap's, a temp PGLITE_DIR: empty, or `migrated` (as the deploy step leaves it) for the tests about
 * something else than a first start. Killed and cleaned up when the test ends.
 */
async function startServer (t: Test, env: Record<string, string>, options: { migrated?: boolean } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'claimtrack-server-'))
  const pgliteDir = join(dir, 'pglite')
  if (options.migrated === true) await migratedPgliteDir(pgliteDir)
  const childEnv: Record<string, string | undefined> = { ...process.env }
  for (const key of Object.keys(childEnv)) {
    if (/^(DATABASE_|PGLITE_|SEED_|HOST$|PORT$|LOG_LEVEL$|BODY_LIMIT$|PUBLIC_URL$|NODE_OPTIONS$|TAP|_TAPJS)/.test(key)) delete childEnv[key]
  }
  const child: ChildProcess = spawn(process.execPath, [...nodeFlags, 'src/server.ts'], {
    cwd: root,
    env: { ...childEnv, HOST: '127.0.0.1', PGLITE_DIR: pgliteDir, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk })
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
  let exit: Exit | undefined
  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal }
      resolve(exit)
    })
  })
  t.teardown(async () => {
    if (exit === undefined) {
      child.kill('SIGKILL')
      await exited
    }
    await rm(dir, { recursive: true, force: true })
  })
  return {
    child,
    pgliteDir,
    exited,
    hasExited: () => exit !== undefined,
    output: () => ({ stdout, stderr }),
  }
}

/** Resolves with the exit, or with undefined if the process is still running after `ms`. */
async function exitWithin (exited: Promise<Exit>, ms: number): Promise<Exit | undefined> {
  return Promise.race([exited, sleep(ms, undefined, { ref: false })])
}

t.test('starts on the embedded database with the demo, answers, and exits 0 on SIGTERM', async (t) => {
  const port = await freePort()
  const server = await startServer(t, { PORT: String(port) })
  const url = `http://127.0.0.1:${port}/v1/claims`

  let res: Response | undefined
  // Migrating and seeding a new embedded database takes a few seconds; much longer on a loaded machine.
  const deadline = Date.now() + 90_000
  while (res === undefined && Date.now() < deadline && !server.hasExited()) {
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(2_000) })
    } catch {
      await sleep(200)
    }
  }
  if (res === undefined) {
    t.fail(`no answer within 90 s (exited: ${server.hasExited()})\n${server.output().stderr}${server.output().stdout}`)
    return
  }
  t.equal(res.status, 200, 'GET /v1/claims answers 200')
  t.match(res.headers.get('content-type'), /^application\/json/)
  const body = await res.json() as { data: Array<{ text: string }>, nextCursor: string | null }
  t.equal(body.data.length, 1, 'anonymous callers see the one demo claim with a published verdict')
  t.equal(body.nextCursor, null)
  t.ok(body.data.some((c) => c.text.includes('24 hours')), 'the 24-hours claim')

  const ready = await fetch(`http://127.0.0.1:${port}/readyz`)
  t.equal(ready.status, 200)
  t.match(await ready.json(), { status: 'ok', database: 'pglite', matchIndex: /^(building|ready)$/ }, 'serves from the embedded database')
  await t.resolves(access(server.pgliteDir), 'the data lives in PGLITE_DIR')

  server.child.kill('SIGTERM')
  const exit = await exitWithin(server.exited, 10_000)
  t.same(exit, { code: 0, signal: null }, 'exits 0 within 10 s of SIGTERM')
  t.equal(server.output().stderr, '', 'nothing on stderr')
  t.notMatch(server.output().stdout, /"level":(50|60)/, 'no error logged')
})

t.test('PORT=abc stops at once with a message naming PORT', async (t) => {
  const server = await startServer(t, { PORT: 'abc' })
  const exit = await exitWithin(server.exited, 15_000)
  t.ok(exit, 'exits by itself')
  t.not(exit?.code, 0, `exits non-zero (${exit?.code})`)
  t.equal(exit?.signal, null, 'not by a signal')
  const { stderr } = server.output()
  t.match(stderr, /Invalid configuration/)
  t.match(stderr, /\bPORT\b/, 'stderr names PORT')
  t.notMatch(stderr, /^\s+at /m, 'a message, not a stack trace')
  await t.rejects(access(server.pgliteDir), 'touches no database')
})

t.test('DATABASE_URL without CURSOR_SECRET stops start-up with a message naming CURSOR_SECRET', async (t) => {
  // Port 1 on loopback: nothing listens there, and the process must not even try.
  const server = await startServer(t, { DATABASE_URL: 'postgres://claimtrack@127.0.0.1:1/claimtrack' })
  const exit = await exitWithin(server.exited, 15_000)
  t.same(exit, { code: 2, signal: null }, 'exits 2 by itself')
  const { stderr } = server.output()
  t.match(stderr, /Invalid configuration:\n {2}CURSOR_SECRET: must be set with DATABASE_URL/)
  t.notMatch(stderr, /^\s+at /m, 'a message, not a stack trace')
})

t.test('a port already in use makes it exit non-zero', async (t) => {
  const taken = createServer()
  taken.listen(0, '127.0.0.1')
  await once(taken, 'listening')
  t.teardown(() => { taken.close() })
  const address = taken.address()
  if (address === null || typeof address === 'string') throw new Error('no port')

  const server = await startServer(t, { PORT: String(address.port) }, { migrated: true })
  const exit = await exitWithin(server.exited, 120_000)
  t.ok(exit, 'exits by itself')
  t.not(exit?.code, 0, `exits non-zero (${exit?.code})`)
  const { stdout, stderr } = server.output()
  t.match(stdout + stderr, /EADDRINUSE/, 'says the address is in use')
})

/** The child processes of a process (Linux). */
async function childrenOf (pid: number): Promise<number[]> {
  const { readFile } = await import('node:fs/promises')
  const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '')
  return text.split(/\s+/).filter(Boolean).map(Number)
}

async function waitUntilServing (url: string, server: { hasExited: () => boolean }) {
  const deadline = Date.now() + 90_000
  while (Date.now() < deadline && !server.hasExited()) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) })
      if (res.ok) return true
    } catch {}
    await sleep(200)
  }
  return false
}

t.test('CLAIMTRACK_WORKERS: workers share the port on a Postgres server; the embedded database keeps one process', async (t) => {
  const port = await freePort()
  const metricsPort = await freePort()
  const { env } = await freshDatabase(t)
  const server = await startServer(t, { PORT: String(port), METRICS_PORT: String(metricsPort), CLAIMTRACK_WORKERS: '2', ...env }, { migrated: true })
  t.ok(await waitUntilServing(`http://127.0.0.1:${port}/readyz`, server), `serves (${server.output().stderr})`)
  const pid = server.child.pid ?? 0

  // Metrics on their own port, counting what every process answered (once every process is up to answer).
  const listed = async () => {
    for (let i = 0; i < 150; i++) {
      const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`).catch(() => undefined)
      if (res?.ok) return Number(/claimtrack_http_requests_total\{method="GET",route="\/v1\/claims",status="200"\} (\d+)/.exec(await res.text())?.[1] ?? 0)
      await sleep(100)
    }
    return NaN
  }
  const before = await listed()
  for (let i = 0; i < 6; i++) await (await fetch(`http://127.0.0.1:${port}/v1/claims`)).text()
  const statuses = await Promise.all([1, 2, 3, 4, 5, 6].map(async () => { const res = await fetch(`http://127.0.0.1:${port}/v1/claims`); await res.text(); return res.status }))
  t.same(statuses, [200, 200, 200, 200, 200, 200])
  t.equal(await listed() - before, 12, 'metrics count the requests of every worker')
  t.equal((await fetch(`http://127.0.0.1:${port}/metrics`)).status, 404, 'not on the public port')

  if (!onServer) {
    // One process may open the embedded database: the setting does not apply, and nothing is forked.
    t.same(await childrenOf(pid), [], 'no worker processes')
  } else {
    let workers: number[] = []
    for (let i = 0; i < 100 && workers.length < 2; i++) {
      workers = await childrenOf(pid)
      await sleep(100)
    }
    t.equal(workers.length, 2, 'two workers')

    // A worker that dies is replaced, and the port is served meanwhile by the other (a connection handed to the
    // dying one may be lost: a client retries).
    process.kill(workers[0] ?? 0, 'SIGKILL')
    t.ok(await waitUntilServing(`http://127.0.0.1:${port}/healthz`, server), 'still served')
    let replaced: number[] = []
    for (let i = 0; i < 150; i++) {
      replaced = await childrenOf(pid)
      if (replaced.length === 2 && !replaced.includes(workers[0] ?? 0)) break
      await sleep(100)
    }
    t.equal(replaced.length, 2, 'two workers again')
    t.notOk(replaced.includes(workers[0] ?? 0), 'the dead one replaced')
  }

  server.child.kill('SIGTERM')
  const exit = await exitWithin(server.exited, 15_000)
  t.same(exit, { code: 0, signal: null }, 'SIGTERM stops every process, exit 0')
})
