// The fault tests' own Postgres: a second cluster of the local Postgres server (`15 faults`, port 5499), made on
// first use, that these tests crash, stop and start at will without disturbing anything else that uses the main
// cluster. Also: the API as a child process, an API key for it, and a client that records every answer.
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { existsSync, readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import postgres from 'postgres'
import { createDatabase } from '../../src/db/client.ts'
import { createContainer, migrate } from '../../src/container.ts'
import { parseConfig } from '../../src/config.ts'

const run = promisify(execFile)
const root = fileURLToPath(new URL('../..', import.meta.url))

/** The Postgres major version installed (the server here is 15). */
const version = process.env.FAULTS_PG_VERSION ?? readdirSync('/etc/postgresql').sort().at(-1) ?? '15'
const cluster = process.env.FAULTS_PG_CLUSTER ?? 'faults'
export const port = Number(process.env.FAULTS_PG_PORT ?? 5499)
export const serverUrl = `postgres://postgres@127.0.0.1:${port}/postgres`

const ctl = (...args: string[]) => run('pg_ctlcluster', ['--skip-systemctl-redirect', version, cluster, ...args])

async function clusterStatus (): Promise<'online' | 'down' | 'missing'> {
  const { stdout } = await run('pg_lsclusters', ['--no-header'])
  const line = stdout.split('\n').map((l) => l.trim().split(/\s+/)).find((f) => f[0] === version && f[1] === cluster)
  if (!line) return 'missing'
  return line[3]?.startsWith('online') === true ? 'online' : 'down'
}

/** Waits until a cluster accepts connections (crash recovery after an immediate stop takes a moment). */
export async function waitUntilReady (timeoutMs = 30_000, onPort = port) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      await run('pg_isready', ['-h', '127.0.0.1', '-p', String(onPort), '-q'])
      return
    } catch {
      if (Date.now() > deadline) throw new Error(`Postgres on port ${onPort} not ready after ${timeoutMs} ms`)
      await sleep(100)
    }
  }
}

/** Makes the cluster if it is missing (trust auth, like the main one) and starts it if it is down. */
export async function ensureCluster () {
  const status = await clusterStatus()
  if (status === 'missing') await run('pg_createcluster', [version, cluster, '-p', String(port), '--', '--auth=trust'])
  if (status !== 'online') await ctl('start')
  await waitUntilReady()
}

/** A streaming replica of the fault cluster (`15 faults-replica`, port 5498), made on first use with pg_basebackup. */
export const replicaPort = Number(process.env.FAULTS_REPLICA_PORT ?? 5498)
const replicaCluster = `${cluster}-replica`

export async function ensureReplica () {
  await ensureCluster()
  const { stdout } = await run('pg_lsclusters', ['--no-header'])
  const line = stdout.split('\n').map((l) => l.trim().split(/\s+/)).find((f) => f[0] === version && f[1] === replicaCluster)
  if (!line) await run('pg_createcluster', [version, replicaCluster, '-p', String(replicaPort), '--', '--auth=trust'])
  const dataDir = `/var/lib/postgresql/${version}/${replicaCluster}`
  if (!existsSync(`${dataDir}/standby.signal`)) {
    // Its own configuration (port), the primary's data: a base backup streamed from the primary, set up to follow it.
    await run('pg_ctlcluster', ['--skip-systemctl-redirect', version, replicaCluster, 'stop']).catch(() => {})
    await run('find', [dataDir, '-mindepth', '1', '-delete'])
    await run('runuser', ['-u', 'postgres', '--', 'pg_basebackup', '-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-D', dataDir, '-R', '-X', 'stream', '-c', 'fast'])
  }
  if (!line?.[3]?.startsWith('online')) await run('pg_ctlcluster', ['--skip-systemctl-redirect', version, replicaCluster, 'start'])
  await waitUntilReady(30_000, replicaPort)
}

/** Kills the server as a power cut would: no shutdown checkpoint, every connection dropped (`-m immediate`). */
export const crashPostgres = () => ctl('stop', '-m', 'immediate')
export async function startPostgres () {
  await ctl('start')
  await waitUntilReady()
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** A new, empty database on the cluster; dropped by the returned function. */
export async function freshServerDatabase (): Promise<{ url: string, drop: () => Promise<void> }> {
  const name = `ct_fault_${randomBytes(5).toString('hex')}`
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} })
  try {
    await admin.unsafe(`create database "${name}"`)
  } finally {
    await admin.end()
  }
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    async drop () {
      const again = postgres(serverUrl, { max: 1, onnotice: () => {} })
      try {
        await again.unsafe(`drop database if exists "${name}" with (force)`)
      } finally {
        await again.end()
      }
    },
  }
}

/** Migrates the database and makes an admin key for organisation `faults`. */
export async function adminKeyFor (url: string): Promise<string> {
  const config = parseConfig({ DATABASE_URL: url, CURSOR_SECRET: 'fault-tests-cursor-secret' })
  const database = await createDatabase({ ...config, databasePoolSize: 2 })
  try {
    await migrate(database)
    const { organizations } = createContainer({ config, db: database.db, log: { warn: () => {} } }).services
    const { organization } = await organizations.ensure({ slug: 'faults', name: 'Fault tests' })
    const { key } = await organizations.createKey(organization.id, { name: 'faults admin', role: 'admin' }, null)
    return key
  } finally {
    await database.close()
  }
}

/** Settings for an API under test: no demo data, quiet logs, limits out of the way. */
export const apiEnv = (url: string, extra: Record<string, string> = {}): Record<string, string> => ({
  DATABASE_URL: url,
  LOG_LEVEL: 'warn',
  SEED_DEMO: 'false',
  CURSOR_SECRET: 'fault-tests-cursor-secret',
  RATE_LIMIT_ANONYMOUS: '100000000',
  RATE_LIMIT_KEY: '100000000',
  RATE_LIMIT_PARTNER: '100000000',
  // One process, so that killing "the API" kills all of it (override for more).
  CLAIMTRACK_WORKERS: '1',
  ...extra,
})

export interface ApiProcess {
  child: ChildProcess
  url: string
  /** Everything the process wrote to stderr, for a failing test to show. */
  stderr: () => string
  exited: Promise<{ code: number | null, signal: NodeJS.Signals | null }>
}

/** Starts `src/server.ts` in a child process on a free port and waits until it answers /healthz. */
export async function startApi (env: Record<string, string>, listenPort = 0): Promise<ApiProcess> {
  const chosen = listenPort === 0 ? 20_000 + Math.floor(Math.random() * 20_000) : listenPort
  const child = spawn(process.execPath, ['src/server.ts'], {
    cwd: root,
    env: { ...process.env, ...env, PORT: String(chosen), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }))
  const url = `http://127.0.0.1:${chosen}`
  const deadline = Date.now() + 60_000
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the API exited at start (${child.exitCode ?? child.signalCode}): ${stderr}`)
    try {
      const res = await fetch(`${url}/healthz`)
      if (res.ok) break
    } catch {}
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`the API did not start within 60 s: ${stderr}`)
    }
    await sleep(100)
  }
  return { child, url, stderr: () => stderr, exited }
}
