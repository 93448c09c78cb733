// A long fuzzing campaign in process: the generators and oracle of test/fuzz, against the real app on a throwaway
// database (embedded, or a new database on the DATABASE_URL server, dropped afterwards).
//   npm run fuzz -- --runs 100000 [--seed 42] [--verbose]
// Prints the requests sent, the 5xx among them, and the first request whose answer broke the contract.
import { randomBytes } from 'node:crypto'
import { parseArgs } from 'node:util'
import postgres from 'postgres'
import { buildApp } from '../src/app.ts'
import { parseConfig } from '../src/config.ts'

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '10000' },
    seed: { type: 'string' },
    verbose: { type: 'boolean', default: false },
  },
})
const runs = Number(args.runs)
const seed = args.seed === undefined ? Date.now() % 2 ** 31 : Number(args.seed)
if (!Number.isSafeInteger(runs) || runs < 1 || !Number.isSafeInteger(seed)) {
  console.error('usage: npm run fuzz -- --runs N [--seed S] [--verbose]')
  process.exit(2)
}

/** A database of its own on the server, so that a campaign never writes into one that matters. */
async function throwawayDatabase (server: string) {
  const name = `claimtrack_fuzz_${randomBytes(4).toString('hex')}`
  const admin = postgres(server, { max: 1, onnotice: () => {} })
  await admin.unsafe(`create database "${name}"`)
  const url = new URL(server)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    drop: async () => {
      await admin.unsafe(`drop database if exists "${name}" with (force)`)
      await admin.end()
    },
  }
}

// The world comes from the test fixtures, and test/helper.ts loads tap: without a timeout, it stays silent here
// (by default it would fail its empty root test after 30 s).
process.env.TAP_TIMEOUT ??= '0'
const { withTestOrganization } = await import('../test/helper.ts')
const { prepareCampaign, runCampaign } = await import('../test/fuzz/campaign.ts')

const server = process.env.DATABASE_URL || undefined
const database = server === undefined ? undefined : await throwawayDatabase(server)
const config = parseConfig({
  LOG_LEVEL: 'silent',
  SEED_DEMO: 'false',
  PGLITE_DIR: 'memory://',
  RATE_LIMIT_ANONYMOUS: '100000000',
  RATE_LIMIT_KEY: '100000000',
  RATE_LIMIT_PARTNER: '100000000',
  ...(database && { DATABASE_URL: database.url }),
})
const app = await buildApp(config)
let exitCode = 0
try {
  await withTestOrganization(app)
  const campaign = await prepareCampaign(app)
  console.log(`fuzzing ${campaign.ops.length} operations on ${database ? 'Postgres' : 'PGlite'}: ${runs} runs, seed ${seed}`)
  const started = performance.now()
  const timer = setInterval(() => {
    const { requests, serverErrors } = campaign.stats
    console.log(`  ${requests} requests, ${serverErrors} 5xx, ${((performance.now() - started) / 1000).toFixed(0)} s`)
  }, 30_000)
  const { details, report } = await runCampaign(campaign, { runs, seed })
  clearInterval(timer)
  const seconds = (performance.now() - started) / 1000
  const { stats } = campaign
  console.log(`requests sent: ${stats.requests} in ${seconds.toFixed(1)} s (${(stats.requests / seconds).toFixed(0)}/s)`)
  console.log(`5xx answers: ${stats.serverErrors}`)
  console.log(`generated requests: ${stats.verdicts.valid} valid, ${stats.verdicts.invalid} invalid, ${stats.verdicts.unspecified} neither (e.g. a path that routes elsewhere)`)
  console.log(`why not valid: ${[...stats.reasons].sort((a, b) => b[1] - a[1]).map(([r, n]) => `${r} ${n}`).join(', ')}`)
  const byStatus = new Map<string, number>()
  for (const [key, n] of stats.statuses) {
    const status = key.split(' ')[1] ?? ''
    byStatus.set(status, (byStatus.get(status) ?? 0) + n)
  }
  console.log(`statuses: ${[...byStatus].sort().map(([s, n]) => `${s}: ${n}`).join(', ')}`)
  if (args.verbose) {
    const byOperation = new Map<string, string[]>()
    for (const [key, n] of [...stats.statuses].sort()) {
      const [operation = '', status = ''] = key.split(' ')
      byOperation.set(operation, [...(byOperation.get(operation) ?? []), `${status}×${n}`])
    }
    for (const [operation, counts] of byOperation) console.log(`  ${operation}: ${counts.join(' ')}`)
    for (const [key, sample] of [...stats.samples].sort()) if (/ 4\d\d valid$/.test(key)) console.log(`  ${key}: ${sample}`)
  }
  if (details.failed) {
    exitCode = 1
    console.log(`\ncounterexample after ${details.numRuns} runs (replay: npm run fuzz -- --runs ${details.numRuns} --seed ${seed}):`)
    console.log(report ?? String(details.errorInstance))
  } else if (stats.serverErrors > 0) {
    exitCode = 1
  }
} finally {
  await app.close()
  await database?.drop()
}
process.exit(exitCode)
