// CPU time of the processes a benchmark round involves, read from /proc/<pid>/stat (utime + stime, in clock ticks)
// before and after the round: the server under test (with its child processes), the Postgres backends of the
// bench's own databases, every postgres process (with the children the postmaster reaped meanwhile), and Redis.
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import type { Sql } from 'postgres'

const TICK_US = 1e6 / Number(execFileSync('getconf', ['CLK_TCK']).toString().trim() || 100)

interface Proc { comm: string, ppid: number, ticks: number, childTicks: number }

function readProcs (): Map<number, Proc> {
  const procs = new Map<number, Proc>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    let stat: string
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
    } catch {
      continue // it exited meanwhile
    }
    const close = stat.lastIndexOf(')')
    const comm = stat.slice(stat.indexOf('(') + 1, close)
    const f = stat.slice(close + 2).split(' ')
    procs.set(Number(entry), {
      comm,
      ppid: Number(f[1]),
      ticks: Number(f[11]) + Number(f[12]),
      childTicks: Number(f[13]) + Number(f[14]),
    })
  }
  return procs
}

export interface CpuSnapshot { server: number, pgOurs: Map<number, number>, pgAll: number, redis: number }
/** Microseconds of CPU per request over a round, per process group. */
export interface CpuPerRequest { server: number, postgres: number, postgresAll: number, redis: number }

/** CPU seconds (user + system) one process has used so far. */
export function cpuSecondsOf (pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return ((Number(f[11]) + Number(f[12])) * TICK_US) / 1e6
}

/** Sum of a process and its descendants. */
function treeTicks (procs: Map<number, Proc>, root: number): number {
  let sum = 0
  const pending = [root]
  while (pending.length > 0) {
    const pid = pending.pop() as number
    sum += procs.get(pid)?.ticks ?? 0
    for (const [child, p] of procs) if (p.ppid === pid) pending.push(child)
  }
  return sum
}

/**
 * `monitor` is a connection to another database than the bench's (it must not count itself); `databases` are the
 * bench's databases, whose backends (pg_stat_activity) are "Postgres" for the figures. Without a monitor (the
 * embedded database runs in the server's process), only the server, all postgres processes and Redis are counted.
 */
export function createCpuMeter (monitor?: Sql, databases: string[] = []) {
  return {
    async snapshot (serverPid: number): Promise<CpuSnapshot> {
      const backends = monitor ? await monitor<Array<{ pid: number }>>`select pid from pg_stat_activity where datname = any(${databases})` : []
      const procs = readProcs()
      let pgAll = 0
      let redis = 0
      for (const p of procs.values()) {
        if (p.comm === 'postgres') pgAll += p.ticks + p.childTicks
        else if (p.comm === 'redis-server') redis += p.ticks
      }
      const pgOurs = new Map(backends.map((b) => [b.pid, procs.get(b.pid)?.ticks ?? 0]))
      return { server: treeTicks(procs, serverPid), pgOurs, pgAll, redis }
    },
    perRequest (before: CpuSnapshot, after: CpuSnapshot, requests: number): CpuPerRequest {
      const us = (a: number, b: number) => requests > 0 ? Math.round(((b - a) * TICK_US) / requests) : 0
      return {
        server: us(before.server, after.server),
        // A backend that connected during the round counts whole; one that left is lost (pools keep theirs).
        postgres: us(
          0,
          [...after.pgOurs].reduce((sum, [pid, ticks]) => sum + ticks - (before.pgOurs.get(pid) ?? 0), 0)
        ),
        postgresAll: us(before.pgAll, after.pgAll),
        redis: us(before.redis, after.redis),
      }
    },
  }
}

export type CpuMeter = ReturnType<typeof createCpuMeter>
