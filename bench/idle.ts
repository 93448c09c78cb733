// What an idle API process costs the Postgres server: starts one `node src/server.ts` on a fresh database, waits
// for it to settle, and counts the transactions committed in that database over a window (pg_stat_database).
//
//   node bench/idle.ts --database-url postgres://postgres@127.0.0.1:5432/postgres [--seconds 10] [--settle 15]
//
// The database named by the URL is only used to create (and drop) `claimtrack_idle_<pid>`, which the process gets
// to itself. Prints a JSON line: transactions in the window and per second.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseArgs } from 'node:util'
import { fileURLToPath } from 'node:url'
import postgres from 'postgres'

const { values } = parseArgs({
  options: {
    'database-url': { type: 'string', default: process.env.DATABASE_URL },
    seconds: { type: 'string', default: '10' },
    settle: { type: 'string', default: '15' },
    port: { type: 'string', default: '3977' },
  },
})
const server = values['database-url']
if (server === undefined) throw new Error('--database-url (or DATABASE_URL) is required: the figure is about a Postgres server')
const seconds = Number(values.seconds)
const name = `claimtrack_idle_${process.pid}`
const url = new URL(server)
url.pathname = `/${name}`

const admin = postgres(server, { max: 1, onnotice: () => {} })
await admin.unsafe(`create database "${name}"`)
const child = spawn(process.execPath, [fileURLToPath(new URL('../src/server.ts', import.meta.url))], {
  env: { ...process.env, DATABASE_URL: url.toString(), PORT: values.port, LOG_LEVEL: 'warn', SEED_DEMO: 'false', CLAIMTRACK_WORKERS: '1', CURSOR_SECRET: process.env.CURSOR_SECRET ?? 'bench-idle-cursor-secret' },
  stdio: ['ignore', 'inherit', 'inherit'],
})
try {
  // Ready once it answers; then the start-up (migration, first polls) is left to settle.
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`)
    if (await fetch(`http://127.0.0.1:${values.port}/readyz`).then((r) => r.ok, () => false)) break
    if (i > 600) throw new Error('the server did not start within 120 s')
    await sleep(200)
  }
  await sleep(Number(values.settle) * 1000)
  const commits = async () => {
    // Statistics reach pg_stat_database when a backend reports them (about once a second while it is busy); reading
    // in a new snapshot each time.
    await admin`select pg_stat_clear_snapshot()`
    const [row] = await admin`select xact_commit::int as n from pg_stat_database where datname = ${name}`
    return Number(row?.n)
  }
  const before = await commits()
  await sleep(seconds * 1000)
  const after = await commits()
  const transactions = after - before
  console.log(JSON.stringify({ seconds, transactions, perSecond: Math.round(transactions / seconds * 100) / 100 }))
} finally {
  child.kill('SIGTERM')
  if (child.exitCode === null) await once(child, 'exit')
  await admin.unsafe(`drop database if exists "${name}" with (force)`)
  await admin.end()
}
