// CPU time spent by the Postgres backends serving one database, sampled from /proc while a command runs: the
// backends of a pooled client live as long as the command, so the last sample of each is (within one interval) its
// total. Only for a Postgres server on this machine; the sampling connection is to another database and not counted.
import { readFileSync } from 'node:fs'
import postgres from 'postgres'

/** The user + system CPU seconds of a process, from /proc/<pid>/stat (clock ticks of 1/100 s). */
function cpuSecondsOf (pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch {
    return undefined
  }
}

/** Starts sampling the backends of `database`; `stop()` returns their CPU seconds and how many there were. */
export function samplePostgresCpu (adminUrl: string, database: string, intervalMs = 100) {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} })
  const seconds = new Map<number, number>()
  const state = { stopped: false }
  const loop = (async () => {
    while (!state.stopped) {
      const rows = await sql<Array<{ pid: number }>>`select pid from pg_stat_activity where datname = ${database}`
      for (const { pid } of rows) {
        const s = cpuSecondsOf(pid)
        if (s !== undefined) seconds.set(pid, Math.max(s, seconds.get(pid) ?? 0))
      }
      await new Promise((resolve) => setTimeout(resolve, intervalMs))
    }
  })()
  return {
    async stop (): Promise<{ cpuSeconds: number, backends: number }> {
      state.stopped = true
      await loop
      await sql.end()
      const total = [...seconds.values()].reduce((a, b) => a + b, 0)
      return { cpuSeconds: Math.round(total * 100) / 100, backends: seconds.size }
    },
  }
}
