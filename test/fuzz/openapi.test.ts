// Schema-driven fuzzing: requests generated from the OpenAPI document for every operation, valid and hostile, sent
// by every role and anonymously at an app that holds real objects. No answer may be a 5xx; a refused request is a
// problem+json with its status; every answer has a documented status and matches the documented schema.
// FUZZ_RUNS (40 per operation by default) and FUZZ_SEED make it longer or different; `npm run fuzz` runs long
// campaigns.
import t from 'tap'
import { buildSecure } from '../security/fixtures.ts'
import { prepareCampaign, runCampaign } from './campaign.ts'

// A long campaign: on a loaded 2-core CI machine it may need more than tap's per-file timeout.
t.setTimeout(900_000)

const seed = Number(process.env.FUZZ_SEED ?? 6_2025)

t.test(`every operation, 40 generated requests each (or FUZZ_RUNS in all), seed ${seed}`, async (t) => {
  const app = await buildSecure(t)
  const campaign = await prepareCampaign(app)
  // Enough runs per operation for most of them to get past validation, however many operations there are.
  const runs = Number(process.env.FUZZ_RUNS ?? 40 * campaign.ops.length)
  const { details, report } = await runCampaign(campaign, { runs, seed })
  t.notOk(details.failed, `no fault; replay with FUZZ_SEED=${seed} FUZZ_RUNS=${runs}${details.failed ? `\n${report ?? String(details.errorInstance)}` : ''}`)
  const { stats, ops } = campaign
  t.equal(stats.serverErrors, 0, 'no 5xx, including the requests made to read current ETags')
  t.ok(stats.requests >= runs, `${stats.requests} requests sent`)

  // The generators reach deep: every operation is tried, most get past validation to a success, and both valid
  // and invalid requests are a real share of the traffic.
  const tried = new Set([...stats.statuses.keys()].map((k) => k.split(' ')[0]))
  const succeeded = new Set([...stats.statuses.keys()].filter((k) => /\s2\d\d$/.test(k)).map((k) => k.split(' ')[0]))
  t.same(ops.map((op) => op.operationId).filter((id) => !tried.has(id)), [], 'every operation was tried')
  t.ok(succeeded.size >= ops.length * 0.75, `${succeeded.size} of ${ops.length} operations answered a 2xx; none for ${ops.map((op) => op.operationId).filter((id) => !succeeded.has(id)).join(', ')}`)
  t.ok(stats.verdicts.valid >= runs * 0.25, `${stats.verdicts.valid} valid requests`)
  t.ok(stats.verdicts.invalid >= runs * 0.25, `${stats.verdicts.invalid} invalid requests`)
})
