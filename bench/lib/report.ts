// The tables and target verdicts of `npm run bench`, from its rounds.
import type { Round } from './measure.ts'
import type { Kind } from './workloads.ts'

export type ServerKind = 'floor' | 'narrow floor' | 'api'
/** A round; `shared` when the same floor round stands for several checkouts (they send the same SQL). */
export interface Row {
  workload: string
  kind: Kind
  server: ServerKind
  checkout: string
  /** With --repeat: the round whose req/s is the median of the passes (what the tables and targets read). */
  round: Round
  /** With --repeat: req/s of every pass, in the order they ran. */
  passes?: number[]
  shared?: boolean
}

/** A round of the checkout's, if it answered, without errors or unexpected statuses (a shed 503 is fast, not good). */
const find = (rows: Row[], checkout: string, workload: string, server: ServerKind) =>
  rows.find(
    (r) =>
      r.workload === workload &&
      r.server === server &&
      r.checkout === checkout &&
      r.round.requests > 0 &&
      r.round.errors === 0 &&
      r.round.non2xx === 0
  )?.round
const ratio = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined || b === 0 ? undefined : Math.round((a / b) * 100) / 100
const fmt = (n: number | undefined, unit = '') => n === undefined ? '–' : `${n}${unit}`

/** Each API round as a ratio of the same-SQL floor's round of the same workload, for its checkout. */
export function ratios (rows: Row[], checkout: string, workload: string) {
  const api = find(rows, checkout, workload, 'api')
  const floor = find(rows, checkout, workload, 'floor')
  return {
    api,
    floor,
    throughput: ratio(api?.requestsPerSecond, floor?.requestsPerSecond),
    cpu: ratio(api?.cpu?.server, floor?.cpu?.server),
  }
}

export function table (rows: Row[], checkout: string): string {
  const lines = [
    '| workload | server | req/s | × same-SQL floor | p50 ms | p99 ms | server CPU µs/req | × floor CPU | Postgres µs/req (bench DB; all) | Redis µs/req | load 1m |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ]
  for (const r of rows.filter((r) => r.checkout === checkout)) {
    const { throughput, cpu } = r.server === 'api' ? ratios(rows, checkout, r.workload) : { throughput: undefined, cpu: undefined }
    const c = r.round.cpu
    const errors = r.round.errors + r.round.non2xx > 0 ? ` (**${r.round.errors} errors, ${r.round.non2xx} unexpected**)` : ''
    lines.push(`| ${r.workload} | ${r.server}${r.shared ? ' (shared)' : ''} | ${r.round.requestsPerSecond}${errors} | ${fmt(throughput)} | ${r.round.p50} | ${r.round.p99} | ` +
      `${fmt(c?.server)} | ${fmt(cpu)} | ${fmt(c?.postgres)}; ${fmt(c?.postgresAll)} | ${fmt(c?.redis)} | ${r.round.load} |`)
  }
  return lines.join('\n')
}

interface Target {
  name: string
  value: (rows: Row[], checkout: string) => number | undefined
  met: (v: number) => boolean
}

/** The targets of issue 18, as measured in this run. */
export const TARGETS: Target[] = [
  { name: 'claim by id: req/s ≥ 0.7× same-SQL floor', value: (rows, c) => ratios(rows, c, 'claim by id').throughput, met: (v) => v >= 0.7 },
  { name: 'claim by id: API CPU/req ≤ 2× floor\'s', value: (rows, c) => ratios(rows, c, 'claim by id').cpu, met: (v) => v <= 2 },
  { name: 'lookup, hit: req/s ≥ 0.7× same-SQL floor', value: (rows, c) => ratios(rows, c, 'lookup, hit').throughput, met: (v) => v >= 0.7 },
  { name: 'lookup, hit: API CPU/req ≤ 2× floor\'s', value: (rows, c) => ratios(rows, c, 'lookup, hit').cpu, met: (v) => v <= 2 },
  {
    name: 'claim by id: 304 req/s ≥ 1.5× the 200\'s',
    value: (rows, c) => ratio(find(rows, c, 'claim by id, 304', 'api')?.requestsPerSecond, find(rows, c, 'claim by id', 'api')?.requestsPerSecond),
    met: (v) => v >= 1.5,
  },
  {
    name: 'lookup: 304 req/s ≥ 1.5× the 200\'s (hit)',
    value: (rows, c) => ratio(find(rows, c, 'lookup, 304', 'api')?.requestsPerSecond, find(rows, c, 'lookup, hit', 'api')?.requestsPerSecond),
    met: (v) => v >= 1.5,
  },
  {
    name: 'batch of 100 URLs: p50 ≤ 3× one lookup\'s (hit)',
    value: (rows, c) => ratio(find(rows, c, 'batch lookup, 100 URLs', 'api')?.p50, find(rows, c, 'lookup, hit', 'api')?.p50),
    met: (v) => v <= 3,
  },
  {
    name: 'batch of 100 URLs as verdicts (POST /v1/lookup/verdicts): p50 ≤ 3× one lookup\'s (hit)',
    value: (rows, c) => ratio(find(rows, c, 'batch verdicts, 100 URLs', 'api')?.p50, find(rows, c, 'lookup, hit', 'api')?.p50),
    met: (v) => v <= 3,
  },
]

export function targets (
  rows: Row[],
  checkouts: string[]
): { table: string; values: Record<string, Record<string, number | undefined>> } {
  const lines = [`| target | ${checkouts.join(' | ')} |`, `| --- |${checkouts.map(() => ' ---: |').join('')}`]
  const values: Record<string, Record<string, number | undefined>> = {}
  for (const t of TARGETS) {
    const cells = checkouts.map((c) => {
      const v = t.value(rows, c)
      ;(values[c] ??= {})[t.name] = v
      return v === undefined ? '–' : `${v}× ${t.met(v) ? 'met' : '**not met**'}`
    })
    lines.push(`| ${t.name} | ${cells.join(' | ')} |`)
  }
  return { table: lines.join('\n'), values }
}

/** The API of each checkout side by side, per workload: before (baseline) and after (this checkout). */
export function comparison (rows: Row[], before: string, after: string): string {
  const lines = [
    `| workload | ${before} req/s | ${after} req/s | after/before | ${before} API CPU µs/req | ${after} API CPU µs/req | ${before} × floor | ${after} × floor |`,
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ]
  for (const workload of [...new Set(rows.filter((r) => r.server === 'api').map((r) => r.workload))]) {
    const b = ratios(rows, before, workload)
    const a = ratios(rows, after, workload)
    lines.push(`| ${workload} | ${fmt(b.api?.requestsPerSecond)} | ${fmt(a.api?.requestsPerSecond)} | ${fmt(ratio(a.api?.requestsPerSecond, b.api?.requestsPerSecond))} | ` +
      `${fmt(b.api?.cpu?.server)} | ${fmt(a.api?.cpu?.server)} | ${fmt(b.throughput)} | ${fmt(a.throughput)} |`)
  }
  return lines.join('\n')
}
