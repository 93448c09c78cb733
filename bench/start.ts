// `node bench/start.ts [--baseline <checkout>] [--runs 3]`: how long the embedded default takes to start, as the
// README's `npm start` runs it (no DATABASE_URL, demo data, a data directory of its own), for this checkout and, with
// --baseline, another one (a `git worktree` with its own node_modules), in turn. Per run: a first start on an empty
// data directory (migrations and demo data) and a second start on the same directory, each timed from spawn to the
// first 200 of /healthz (listening) and of /readyz with the claim-matching index built (`matchIndex` not `building`;
// a checkout without the index is ready when it answers 200). Also the process's CPU time to that point and its RSS.
// Prints a Markdown table with the load average; nothing is asserted.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { sleep } from '../test/faults/cluster.ts'
import { cpuSecondsOf } from './lib/cpu.ts'
import { rssMbOf } from './lib/servers.ts'

const { values } = parseArgs({
  options: {
    baseline: { type: 'string' },
    runs: { type: 'string', default: '3' },
  },
})
const here = fileURLToPath(new URL('..', import.meta.url))
const checkouts = [{ label: 'this checkout', dir: here }, ...(values.baseline ? [{ label: 'baseline', dir: resolve(values.baseline) }] : [])]
const runs = Number(values.runs)

/** CPU seconds (user + system) and resident memory (MB) of a process. */
const usage = (pid: number) => ({ cpu: cpuSecondsOf(pid), rssMb: rssMbOf(pid) })

interface Start { listening: number, ready: number, cpu: number, rssMb: number | null }

async function start (dir: string, dataDir: string): Promise<Start> {
  const port = 20_000 + Math.floor(Math.random() * 20_000)
  const url = `http://127.0.0.1:${port}`
  const began = performance.now()
  const env: Record<string, string | undefined> = { ...process.env, PGLITE_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', CLAIMTRACK_WORKERS: '1' }
  delete env.DATABASE_URL
  const child = spawn(process.execPath, ['src/server.ts'], {
    cwd: dir,
    env,
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  const pid = child.pid as number
  let listening = 0
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the server in ${dir} exited (${child.exitCode})`)
      if (performance.now() - began > 180_000) throw new Error(`the server in ${dir} was not ready within 180 s`)
      const healthz = listening === 0 ? await fetch(`${url}/healthz`).catch(() => null) : null
      if (healthz?.ok) listening = performance.now() - began
      if (listening > 0) {
        const readyz = await fetch(`${url}/readyz`).catch(() => null)
        const body = readyz?.ok ? await readyz.json() as { matchIndex?: string } : null
        if (body !== null && body.matchIndex !== 'building') {
          const ready = performance.now() - began
          return { listening, ready, ...usage(pid) }
        }
      }
      await sleep(20)
    }
  } finally {
    child.kill('SIGTERM')
    await new Promise((resolve) => child.once('exit', resolve))
  }
}

const rows: string[] = []
const ms = (n: number) => `${Math.round(n)}`
console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`)
for (let run = 1; run <= runs; run++) {
  for (const c of checkouts) {
    const dataDir = mkdtempSync(join(tmpdir(), 'claimtrack-start-'))
    try {
      const first = await start(c.dir, dataDir)
      const second = await start(c.dir, dataDir)
      rows.push(`| ${c.label} | ${run} | ${ms(first.listening)} | ${ms(first.ready)} | ${first.cpu.toFixed(2)} | ${ms(second.listening)} | ${ms(second.ready)} | ${second.cpu.toFixed(2)} | ${second.rssMb} |`)
    } finally {
      rmSync(dataDir, { recursive: true, force: true })
    }
  }
}
console.log('| checkout | run | first start: listening ms | ready ms | CPU s | second start: listening ms | ready ms | CPU s | RSS MB |')
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |')
for (const row of rows) console.log(row)
console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`)
