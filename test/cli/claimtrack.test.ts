// The `claimtrack` executable (package.json "bin"): help on every command, exit codes scripts can trust, and
// migrate, seed --demo, keys and serve doing their work on the embedded database or a Postgres server.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { count } from 'drizzle-orm'
import t, { type Test } from 'tap'
import { createDatabase } from '../../src/db/client.ts'
import { claims } from '../../src/db/schema.ts'
import { databaseTimeouts, freshDatabase, onServer } from '../helper.ts'
import { nodeFlags } from '../processes.ts'
import { claimtrack } from './run.ts'

// Each command is a process of its own that opens (on PGlite: initialises) its database: on a busy 2-core machine a
// file of them needs longer than tap's 300 s per file.
t.setTimeout(600_000)

/** An empty embedded data directory, or an empty database on the server. */
async function emptyStore (t: Test): Promise<Record<string, string>> {
  if (onServer) return (await freshDatabase(t)).env
  const dir = await mkdtemp(join(tmpdir(), 'claimtrack-cli-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return { PGLITE_DIR: join(dir, 'pglite') }
}

t.test('--version prints the package version and touches no database', async (t) => {
  const { version } = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
  for (const flag of ['--version', '-v']) {
    const res = await claimtrack({ PGLITE_DIR: '/nonexistent/never-created' }, flag)
    t.same({ code: res.code, stderr: res.stderr }, { code: 0, stderr: '' }, flag)
    t.equal(res.stdout, `claimtrack ${version} (Node.js ${process.versions.node})\n`)
  }
})

t.test('help, and bad usage exits 2 with the usage before touching any database', async (t) => {
  const store = { PGLITE_DIR: '/nonexistent/never-created' }
  const top = await claimtrack(store, '--help')
  t.equal(top.code, 0)
  t.match(top.stdout, /Usage: claimtrack <command>/)
  for (const command of ['serve', 'migrate', 'seed']) {
    const res = await claimtrack(store, command, '--help')
    t.equal(res.code, 0, `${command} --help`)
    t.match(res.stdout, new RegExp(`Usage: claimtrack ${command}`))
  }
  t.match((await claimtrack(store, 'keys', '--help')).stderr, /create --org/, 'keys --help')
  for (const args of [[], ['frobnicate'], ['seed'], ['seed', '--demo', '--bogus'], ['migrate', 'extra']]) {
    const res = await claimtrack(store, ...args)
    t.equal(res.code, 2, `${args.join(' ') || '(nothing)'}: exit 2`)
    t.match(res.stderr, /^claimtrack: .+\n\nUsage: claimtrack/, 'one line saying why, then the usage')
  }
})

t.test('migrate, seed --demo (once), keys create, and serve', async (t) => {
  const store = await emptyStore(t)
  const migrated = await claimtrack(store, 'migrate')
  t.equal(migrated.code, 0, migrated.stderr)
  t.match(migrated.stdout, /migrations applied/)

  const seeded = await claimtrack(store, 'seed', '--demo')
  t.equal(seeded.code, 0, seeded.stderr)
  t.match(seeded.stderr, /seeded the demo claims/)
  const again = await claimtrack(store, 'seed', '--demo')
  t.equal(again.code, 0)
  t.match(again.stderr, /already holds claims or claimants; nothing seeded/)

  const key = await claimtrack(store, 'keys', 'create', '--org', 'demo', '--role', 'admin')
  t.equal(key.code, 0, key.stderr)
  t.match(key.stdout.trim(), /^ct_\w+$/, 'the key alone on stdout')

  const database = await createDatabase({ databaseUrl: store.DATABASE_URL, pgliteDir: store.PGLITE_DIR ?? 'memory://', databasePoolSize: 1, databaseTimeouts })
  const [row] = await database.db.drizzle.select({ n: count() }).from(claims)
  await database.close()
  t.equal(row?.n, 7, 'the seven demo claims, once')

  const port = 20_000 + Math.floor(Math.random() * 20_000)
  const server = spawn(process.execPath, [...nodeFlags, 'src/cli/bin.mjs', 'serve'], { env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', PORT: String(port), CLAIMTRACK_WORKERS: '1', ...store }, stdio: 'ignore' })
  const exited = once(server, 'exit')
  t.teardown(() => { server.kill('SIGKILL') })
  let answer: Response | undefined
  // A serve process compiles PGlite and opens the data directory before it listens: up to minutes on a loaded machine.
  for (const deadline = Date.now() + 180_000; answer === undefined && Date.now() < deadline;) {
    answer = await fetch(`http://127.0.0.1:${port}/v1/claims`, { headers: { authorization: `Bearer ${key.stdout.trim()}` } }).catch(() => undefined)
    if (answer === undefined) await new Promise((resolve) => setTimeout(resolve, 100))
  }
  t.equal(answer?.status, 200, 'serves')
  t.equal(((await answer?.json()) as { data: unknown[] }).data.length, 7, 'the demo organisation sees its claims')
  server.kill('SIGTERM')
  t.same(await exited, [0, null], 'exits 0 on SIGTERM')
})
