// `node bench/import.ts [--database-url postgres://…/ct_import_bench] [--file …] [--skip-export] [--label …]`: imports the PolitiFact data set
// into a fresh Postgres database with `claimtrack import`, then again, timing both, and exports it back in each
// format with the exporter's peak memory; writes bench/results/import-<date>.json. Figures are recorded, not asserted.
import { execFile, execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { parseArgs, promisify } from 'node:util'
import postgres from 'postgres'
import { samplePostgresCpu } from './pg-cpu.ts'

const { values } = parseArgs({
  options: {
    'database-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/ct_import_bench' },
    file: { type: 'string', default: '/work/shared/datasets/politifact-claims.jsonl' },
    'export-database-url': { type: 'string' },
    /** Imports only (no exports): for timing the import before and after a change, back to back. */
    'skip-export': { type: 'boolean', default: false },
    /** Names the results file (import-<label>-<date>.json), so that runs of one day are kept apart. */
    label: { type: 'string' },
  },
})
const url = new URL(values['database-url'])
const name = url.pathname.slice(1)
const admin = postgres({ host: url.hostname, port: Number(url.port || 5432), user: url.username || 'postgres', database: 'postgres', onnotice: () => {} })
await admin.unsafe(`drop database if exists "${name}" with (force)`)
await admin.unsafe(`create database "${name}"`)
await admin.end()

/** Runs the command; its stdout. */
function claimtrack (env: Record<string, string>, ...args: string[]) {
  return execFileSync(process.execPath, ['src/cli/bin.mjs', ...args], { env: { ...process.env, LOG_LEVEL: 'silent', ...env }, encoding: 'utf8' })
}

/**
 * Runs the command under GNU time: wall, user and system seconds, peak resident memory (MiB), its stdout, and the CPU
 * seconds of the Postgres backends serving the database meanwhile (sampled from /proc, bench/pg-cpu.ts).
 */
async function timed (env: Record<string, string>, ...args: string[]) {
  const stderrFile = '/tmp/claimtrack-bench-time.txt'
  const databaseUrl = new URL(env.DATABASE_URL ?? values['database-url'])
  const adminUrl = new URL(databaseUrl)
  adminUrl.pathname = '/postgres'
  const postgresCpu = samplePostgresCpu(adminUrl.toString(), databaseUrl.pathname.slice(1))
  const { stdout } = await promisify(execFile)('sh', ['-c', `/usr/bin/time -f 'TIME %e %U %S %M' "$@" 2>${stderrFile}`, 'sh', process.execPath, 'src/cli/bin.mjs', ...args], {
    env: { ...process.env, LOG_LEVEL: 'silent', ...env },
    encoding: 'utf8',
    maxBuffer: 1024 * 1024 * 1024,
  })
  const pg = await postgresCpu.stop()
  const time = execFileSync('tail', ['-1', stderrFile], { encoding: 'utf8' }).trim().split(' ')
  return {
    wallSeconds: Number(time[1]),
    userSeconds: Number(time[2]),
    systemSeconds: Number(time[3]),
    postgresCpuSeconds: pg.cpuSeconds,
    postgresBackends: pg.backends,
    loadAverage: loadavg(),
    peakRssMiB: Math.round(Number(time[4]) / 1024),
    stdout: stdout.length > 500 ? `${stdout.length} bytes` : stdout.trim(),
  }
}

const env = { DATABASE_URL: values['database-url'] }
claimtrack(env, 'keys', 'create', '--org', 'politifact', '--role', 'admin')
const loadBefore = loadavg()
const first = await timed(env, 'import', values.file, '--format', 'jsonl', '--org', 'politifact', '--rejects', '/tmp/claimtrack-bench.rejects.jsonl')
const again = await timed(env, 'import', values.file, '--format', 'jsonl', '--org', 'politifact', '--rejects', '/tmp/claimtrack-bench.rejects.jsonl')
const exports: Record<string, Awaited<ReturnType<typeof timed>>> = {}
for (const format of values['skip-export'] ? [] : ['jsonl', 'csv', 'claimreview']) exports[format] = await timed(env, 'export', '--format', format, '--output', '/dev/null')
const large = values['export-database-url'] === undefined
  ? undefined
  : { database: new URL(values['export-database-url']).pathname.slice(1), jsonl: await timed({ DATABASE_URL: values['export-database-url'] }, 'export', '--format', 'jsonl', '--output', '/dev/null') }
const result = {
  date: new Date().toISOString(),
  machine: `2 cores (shared), ${process.platform} ${process.arch}, node ${process.version}`,
  loadAverageBefore: loadBefore,
  loadAverageAfter: loadavg(),
  file: values.file,
  database: name,
  import: { first, again },
  export: exports,
  ...(large && { exportLarge: large }),
}
mkdirSync('bench/results', { recursive: true })
const out = `bench/results/import-${values.label ? `${values.label}-` : ''}${result.date.slice(0, 10)}.json`
writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`)
console.log(JSON.stringify(result, null, 2))
console.log(`wrote ${out}`)
