// `npm run keys` while `npm start` runs, as real processes: on the embedded database the command refuses (it would
// open the server's data directory a second time and make keys the server never sees), and so does a second server;
// an admin makes keys over the API meanwhile. On a Postgres server the command's key works at once.
import { spawn, type ChildProcess } from 'node:child_process'
import { execFile } from 'node:child_process'
import { once } from 'node:events'
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { setTimeout as sleep } from 'node:timers/promises'
import t, { type Test } from 'tap'
import { freshDatabase, migratedPgliteDir, onServer } from '../helper.ts'
import { freePort, nodeFlags } from '../processes.ts'

// Each command is a process of its own that compiles PGlite (on the embedded database) and opens its database: on a
// busy 2-core machine a file of them needs longer than tap's 300 s per file.
t.setTimeout(600_000)

const root = fileURLToPath(new URL('../..', import.meta.url))
const run = promisify(execFile)
type Store = Record<string, string>

/** The environment of a child process: the store and settings given, nothing of tap's or of this shell's database. */
function childEnv (extra: Store): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^(DATABASE_|PGLITE_|SEED_|HOST$|PORT$|LOG_LEVEL$|NODE_OPTIONS$|TAP|_TAPJS)/.test(key)) env[key] = value
  }
  return { ...env, LOG_LEVEL: 'warn', ...extra }
}

async function keys (store: Store, ...args: string[]): Promise<{ code: number, stdout: string, stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [...nodeFlags, 'src/cli/keys.ts', ...args], { cwd: root, env: childEnv(store), timeout: 120_000 })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code?: number, stdout?: string, stderr?: string }
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' }
  }
}

/** `node src/server.ts` on the store; killed when the test ends. Resolves once it answers, or once it has exited. */
async function startServer (t: Test, store: Store, port: number) {
  const child: ChildProcess = spawn(process.execPath, [...nodeFlags, 'src/server.ts'], {
    cwd: root,
    env: childEnv({ ...store, HOST: '127.0.0.1', PORT: String(port), SEED_DEMO: 'false', CLAIMTRACK_WORKERS: '1' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
  child.stdout?.resume()
  let exit: number | null | undefined
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => { exit = code; resolve(code) }))
  t.teardown(async () => {
    if (exit === undefined) {
      child.kill('SIGKILL')
      await exited
    }
  })
  const hasExited = () => exit !== undefined
  for (const deadline = Date.now() + 180_000; !hasExited() && Date.now() < deadline;) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break
    } catch {}
    await sleep(200)
  }
  return { child, exited, hasExited, stderr: () => stderr }
}

const create = (store: Store, name: string) => keys(store, 'create', '--org', 'desk', '--role', 'admin', '--name', name)
const apiKeys = (port: number, key: string) => fetch(`http://127.0.0.1:${port}/v1/api-keys`, { headers: { authorization: `Bearer ${key}` } })

t.test('keys create while the server runs', async (t) => {
  let store: Store
  let dir: string | undefined
  if (onServer) {
    store = (await freshDatabase(t)).env
  } else {
    dir = await mkdtemp(join(tmpdir(), 'claimtrack-keys-server-'))
    t.teardown(() => rm(dir ?? '', { recursive: true, force: true }))
    store = { PGLITE_DIR: await migratedPgliteDir(join(dir, 'pglite')) }
  }
  // The first admin key, made before the server starts (there are no default credentials).
  const first = await create(store, 'first admin')
  t.equal(first.code, 0, first.stderr)
  const admin = first.stdout.trim()

  const port = await freePort()
  const server = await startServer(t, store, port)
  t.notOk(server.hasExited(), `the server runs: ${server.stderr()}`)
  t.equal((await apiKeys(port, admin)).status, 200, 'the first key works')

  const during = await create(store, 'made while running')
  if (onServer) {
    t.equal(during.code, 0, `on a Postgres server the command may run beside the server: ${during.stderr}`)
    t.equal((await apiKeys(port, during.stdout.trim())).status, 200, 'and its key works at once')
  } else {
    t.equal(during.code, 1, 'refused, exit 1')
    t.equal(during.stdout, '', 'no key printed')
    t.match(during.stderr, new RegExp(`open in the Claimtrack server \\(pid ${server.child.pid}, http://127\\.0\\.0\\.1:${port}`), 'says which process has it')
    t.match(during.stderr, `curl -s -X POST http://127.0.0.1:${port}/v1/api-keys`, 'and how to make the key over the API')
    const listed = await (await apiKeys(port, admin)).json() as { data: unknown[] }
    t.equal(listed.data.length, 1, 'no key was made')

    const second = await startServer(t, store, await freePort())
    t.equal(await second.exited, 1, 'a second server on the same directory exits 1')
    t.match(second.stderr(), /could not start: the embedded database .* is open in the Claimtrack server/)
    t.equal((await apiKeys(port, admin)).status, 200, 'the first server still answers')
  }

  const made = await fetch(`http://127.0.0.1:${port}/v1/api-keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'made over the API', role: 'editor' }),
  })
  t.equal(made.status, 201, 'an admin makes keys over the API while the server runs')
  const { key } = await made.json() as { key: string }
  const write = await fetch(`http://127.0.0.1:${port}/v1/claimants`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Made By The New Key' }),
  })
  t.equal(write.status, 201, 'and the new key works at once')

  server.child.kill('SIGTERM')
  t.equal(await server.exited, 0, 'the server stops')
  if (dir !== undefined) {
    const lockFile = `${store.PGLITE_DIR}.lock`
    await t.rejects(access(lockFile), 'and releases the directory')
    const after = await create(store, 'made after the server stopped')
    t.equal(after.code, 0, after.stderr)

    // A lock left by a process that died (here: one that has exited) is taken over.
    const dead = spawn(process.execPath, ['-e', ''])
    await once(dead, 'exit')
    await writeFile(lockFile, JSON.stringify({ pid: dead.pid, role: 'server', since: new Date().toISOString() }))
    const stale = await create(store, 'made over a stale lock')
    t.equal(stale.code, 0, stale.stderr)
    await t.rejects(readFile(lockFile), 'released again')
  }
})
