// `node bench/import.ts [--database-url postgres://…/ct_import_bench] [--file …]`: imports the PolitiFact data set
// into a fresh Postgres database with `claimtrack import`, then again, timing both, and exports it back in each
// format with the exporter's peak memory; writes bench/results/import-<date>.json. Figures are recorded, not asserted.
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { parseArgs } from 'node:util'
import postgres from 'postgres'

const { values } = parseArgs({
  options: {
    'database-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/ct_import_bench' },
    file: { type: 'string', default: '/work/shared/datasets/politifact-claims.jsonl' },
    'export-database-url': { type: 'string' },
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

/** Runs the command under GNU time: wall and user seconds, peak resident memory (MiB), and its stdout. */
function timed (env: Record<string, string>, ...args: string[]) {
  const stderrFile = '/tmp/claimtrack-bench-time.txt'
  const stdout = execFileSync('sh', ['-c', `/usr/bin/time -f 'TIME %e %U %M' "$@" 2>${stderrFile}`, 'sh', process.execPath, 'src/cli/bin.mjs', ...args], {
    env: { ...process.env, LOG_LEVEL: 'silent', ...env },
    encoding: 'utf8',
    maxBuffer: 1024 * 1024 * 1024,
  })
  const time = execFileSync('tail', ['-1', stderrFile], { encoding: 'utf8' }).trim().split(' ')
  return { wallSeconds: Number(time[1]), userSeconds: Number(time[2]), peakRssMiB: Math.round(Number(time[3]) / 1024), stdout: stdout.length > 500 ? `${stdout.length} bytes` : stdout.trim() }
}

const env = { DATABASE_URL: values['database-url'] }
claimtrack(env, 'keys', 'create', '--org', 'politifact', '--role', 'admin')
const loadBefore = loadavg()
const first = timed(env, 'import', values.file, '--format', 'jsonl', '--org', 'politifact', '--rejects', '/tmp/claimtrack-bench.rejects.jsonl')
const again = timed(env, 'import', values.file, '--format', 'jsonl', '--org', 'politifact', '--rejects', '/tmp/claimtrack-bench.rejects.jsonl')
const exports = Object.fromEntries(['jsonl', 'csv', 'claimreview'].map((format) => [format, timed(env, 'export', '--format', format, '--output', '/dev/null')]))
const large = values['export-database-url'] === undefined
  ? undefined
  : { database: new URL(values['export-database-url']).pathname.slice(1), jsonl: timed({ DATABASE_URL: values['export-database-url'] }, 'export', '--format', 'jsonl', '--output', '/dev/null') }
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
const out = `bench/results/import-${result.date.slice(0, 10)}.json`
writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`)
console.log(JSON.stringify(result, null, 2))
console.log(`wrote ${out}`)
