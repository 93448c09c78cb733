// One measured round, shared by `npm run bench` and `npm run bench:embedded`: autocannon drives a server with
// requests from a generator for a number of seconds; statuses are counted, and with a CPU meter the CPU time the
// server, Postgres and Redis spent on the round is given per request, with the load average at its start.
import { loadavg } from 'node:os'
import autocannon from 'autocannon'
import type { CpuMeter, CpuPerRequest } from './cpu.ts'

export interface Req { method: 'GET' | 'POST', path: string, headers?: Record<string, string>, body?: string }

export interface Round {
  requestsPerSecond: number
  p50: number
  p99: number
  /** Connection errors and timeouts. */
  errors: number
  /** Answers with a status that is neither 2xx nor one the workload expects (a 304 for conditional requests). */
  non2xx: number
  requests: number
  statuses: Record<string, number>
  /** The 1-minute load average as the round started. */
  load: number
  cpu?: CpuPerRequest
}

export interface RoundOptions {
  url: string
  connections: number
  seconds: number
  next: () => Req
  /** Statuses that count as success besides 2xx. */
  expected?: number[]
  /** CPU per request of the process `pid` (and its children), Postgres and Redis. */
  cpu?: { meter: CpuMeter, pid: number }
}

export async function measure (options: RoundOptions): Promise<Round> {
  const statuses: Record<string, number> = {}
  const load = Math.round(loadavg()[0] as number * 100) / 100
  const before = options.cpu && await options.cpu.meter.snapshot(options.cpu.pid)
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.seconds,
    timeout: 30,
    requests: [{
      setupRequest: (request) => ({ ...request, ...options.next() }),
      onResponse: (status) => { statuses[status] = (statuses[status] ?? 0) + 1 },
    }],
  })
  const after = options.cpu && await options.cpu.meter.snapshot(options.cpu.pid)
  const ok = new Set(options.expected ?? [])
  const unexpected = Object.entries(statuses).filter(
    ([status]) => !(Number(status) >= 200 && Number(status) < 300) && !ok.has(Number(status))
  )
  return {
    requestsPerSecond: Math.round(result.requests.total / options.seconds),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: unexpected.reduce((sum, [, n]) => sum + n, 0),
    requests: result.requests.total,
    statuses,
    load,
    ...(options.cpu && before && after && { cpu: options.cpu.meter.perRequest(before, after, result.requests.total) }),
  }
}

/** One request, checked, before a workload is measured: a broken workload must not pass as a fast one. */
export async function check (baseUrl: string, name: string, req: Req, expected: number[] = []) {
  const res = await fetch(`${baseUrl}${req.path}`, { method: req.method, headers: req.headers ?? {}, ...(req.body !== undefined && { body: req.body }) })
  await res.arrayBuffer()
  if (!(res.status >= 200 && res.status < 300) && !expected.includes(res.status)) {
    throw new Error(`${name}: ${req.method} ${req.path} answered ${res.status}`)
  }
}

export const pick = <T>(items: T[]): T => items[Math.floor(Math.random() * items.length)] as T
