// `npm start` as an operator runs it: Node runs the TypeScript sources itself (no loader in any process of it), and
// SIGTERM to npm (what a supervisor sends) stops every process it started: on a Postgres server the cluster's primary
// and its workers, on the embedded database the one server process.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { freshDatabase, migratedPgliteDir, onServer } from './helper.ts'
import { freePort } from './processes.ts'

const root = fileURLToPath(new URL('..', import.meta.url))

/** Every process below `pid`, depth first (Linux /proc). */
async function descendants (pid: number): Promise<number[]> {
  const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '')
  const children = text.split(/\s+/).filter(Boolean).map(Number)
  return (await Promise.all(children.map(async (child) => [child, ...await descendants(child)]))).flat()
}

/** Whether the process still runs (a zombie, dead but not yet reaped, does not). */
async function alive (pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '')
  return stat !== '' && !/^\d+ \(.*\) Z/.test(stat)
}

/** A TypeScript loader or anything preloaded: flags that would put code before the app's own. */
const LOADER_FLAG = /^--(import|loader|experimental-loader|require|experimental-default-type)\b|^-r$/
/** Packages that compile TypeScript at run time. */
const LOADER_PACKAGE = /node_modules\/(tsx|ts-node|@swc-node|@swc\/core|esbuild|@esbuild-kit|esbuild-register|typescript|jiti|sucrase)\//

t.test('npm start: no TypeScript loader in any process, and SIGTERM to npm stops them all', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'claimtrack-npm-start-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const port = await freePort()
  const env: Record<string, string> = Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] =>
        entry[1] !== undefined &&
        !/^(DATABASE_|PGLITE_|SEED_|CLAIMTRACK_|HOST$|PORT$|LOG_LEVEL$|NODE_OPTIONS$|TAP|_TAPJS|npm_)/.test(entry[0])
    )
  )
  // The database-backed configuration runs a cluster (a primary and two workers); the embedded one a lone process.
  const store = onServer ? { ...(await freshDatabase(t)).env, CLAIMTRACK_WORKERS: '2', CURSOR_SECRET: 'npm-start-test-cursor-secret' } : { PGLITE_DIR: await migratedPgliteDir(join(dir, 'pglite')) }
  // Through env(1), which drops the NODE_OPTIONS that tap's process tracking adds to every process a test spawns.
  const npm = spawn('env', ['-u', 'NODE_OPTIONS', 'npm', 'start'], {
    cwd: root,
    // NODE_DEBUG=esm,module makes Node list every module it loads, on stderr.
    env: { ...env, ...store, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', NODE_DEBUG: 'esm,module' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  npm.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
  npm.stdout.resume()
  const npmExited = once(npm, 'exit')
  let started: number[] = []
  t.teardown(async () => {
    for (const pid of started) if (await alive(pid)) process.kill(pid, 'SIGKILL')
    if (npm.exitCode === null && npm.signalCode === null) {
      npm.kill('SIGKILL')
      await npmExited
    }
  })

  let ready = false
  for (const deadline = Date.now() + 120_000; !ready && Date.now() < deadline && npm.exitCode === null;) {
    ready = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2_000) }).then((r) => r.ok, () => false)
    if (!ready) await sleep(250)
  }
  t.ok(ready, `npm start serves (${stderr.split('\n').filter((l) => !/^(ESM|MODULE)|^\s|^\}/.test(l)).slice(-5).join(' | ')})`)
  if (!ready) return

  const npmPid = npm.pid ?? 0
  const wanted = onServer ? 3 : 1
  for (let i = 0; i < 200 && started.length < wanted; i++) {
    started = await descendants(npmPid)
    if (started.length < wanted) await sleep(100)
  }
  t.equal(started.length, wanted, onServer ? 'npm started a primary and two workers' : 'npm started one server process')

  for (const pid of started) {
    const argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').filter(Boolean)
    const environ = (await readFile(`/proc/${pid}/environ`, 'utf8')).split('\0')
    t.same(argv.slice(1).filter((arg) => LOADER_FLAG.test(arg)), [], `process ${pid} (${argv.join(' ')}): no loader flag`)
    // npm runs `node src/server.ts`; the cluster forks its workers with the absolute path of the same file.
    t.same(argv.slice(1).map((arg) => resolve(root, arg)), [join(root, 'src/server.ts')], 'it runs the TypeScript entry point as it is')
    t.same(environ.filter((v) => v.startsWith('NODE_OPTIONS=') && /--(import|loader|require|experimental-loader)/.test(v)), [], 'no loader in NODE_OPTIONS')
  }
  const loaded = [...stderr.matchAll(/(?:Translating \w+|load ")\s*(?:file:\/\/)?(\/[^"\s]+)/g)].map((m) => m[1] ?? '')
  t.ok(loaded.some((path) => path.endsWith('/src/app.ts')), 'the loaded modules include src/app.ts')
  t.match(stderr, /url: 'file:\/\/[^']*\/src\/app\.ts',\n\s+format: 'module-typescript'/, 'Node itself strips the types of src/app.ts')
  t.same(loaded.filter((path) => LOADER_PACKAGE.test(path)), [], 'no TypeScript compiler or loader among the loaded modules')

  npm.kill('SIGTERM')
  let left = started
  for (const deadline = Date.now() + 20_000; left.length > 0 && Date.now() < deadline;) {
    await sleep(100)
    left = (await Promise.all(started.map(async (pid) => (await alive(pid)) ? [pid] : []))).flat()
  }
  t.same(left, [], 'every process npm started is gone within 20 s of SIGTERM to npm')
  await npmExited
  t.pass('npm exited')
})
