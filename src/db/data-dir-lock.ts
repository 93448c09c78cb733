// One process at a time on an embedded (PGlite) data directory: a second one would corrupt it, or (the key command
// beside a running server) write what the server never sees. Each opener writes `<dir>.lock` with its pid; another
// process finding it held by a live process refuses to open the directory. A lock left by a process that died is
// taken over. Postgres servers (DATABASE_URL) and in-memory databases need none.
import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'

export interface DataDirLock {
  /** Removes the lock file (only if it is still this process's). Also done when the process exits. */
  release(): void
}

/** Who holds a directory: the process, what it is, and for a server the URL it listens on. */
interface Holder { pid: number, role: string, url?: string | undefined, since: string }

/** Refused: another live process has the directory open. The message says who and what to do. */
export class DataDirInUseError extends Error {
  readonly holder: Holder
  constructor (message: string, holder: Holder) {
    super(message)
    this.name = 'DataDirInUseError'
    this.holder = holder
  }
}

const noLock: DataDirLock = { release () {} }

const lockPathOf = (dir: string) => `${resolve(dir)}.lock`

function alive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function readHolder (path: string): Holder | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<Holder>
    return typeof parsed.pid === 'number' ? { pid: parsed.pid, role: String(parsed.role ?? 'claimtrack'), url: parsed.url, since: String(parsed.since ?? '') } : undefined
  } catch {
    return undefined
  }
}

function describe (holder: Holder, dir: string, path: string): string {
  const who = holder.role === 'server'
    ? `the Claimtrack server (pid ${holder.pid}${holder.url ? `, ${holder.url}` : ''}, since ${holder.since})`
    : `another Claimtrack process, \`${holder.role}\` (pid ${holder.pid}, since ${holder.since})`
  return `the embedded database ${dir} is open in ${who}; one process at a time may open it. ` +
    `Stop that process first, or set DATABASE_URL to use a Postgres server. If no such process runs, delete ${path}.`
}

/**
 * Takes the lock of the embedded data directory `pgliteDir` for this process (`role` says what it is: `server`,
 * `keys`, `import` ...), or throws DataDirInUseError. Does nothing on a Postgres server or an in-memory database.
 */
export function lockDataDir (
  options: { databaseUrl: string | undefined; pgliteDir: string },
  role: string,
  url?: string
): DataDirLock {
  if (options.databaseUrl !== undefined || options.pgliteDir.startsWith('memory://')) return noLock
  const path = lockPathOf(options.pgliteDir)
  const me: Holder = { pid: process.pid, role, url, since: new Date().toISOString() }
  mkdirSync(dirname(path), { recursive: true })
  for (let attempt = 0; ; attempt++) {
    try {
      // `wx`: created only if absent, so two processes starting at once cannot both take it.
      writeFileSync(path, `${JSON.stringify(me)}\n`, { flag: 'wx' })
      break
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    const holder = readHolder(path)
    if (holder && holder.pid !== process.pid && alive(holder.pid)) {
      throw new DataDirInUseError(describe(holder, options.pgliteDir, path), holder)
    }
    if (attempt >= 3) {
      throw new DataDirInUseError(
        `the embedded database ${options.pgliteDir} is being opened by another process; retry in a moment.`,
        holder ?? me
      )
    }
    if (!holder && attempt === 0) {
      // Unreadable: perhaps being written by a process that is just starting; look again shortly.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200)
      continue
    }
    // Left by a process that died (or unreadable twice): taken over.
    try {
      unlinkSync(path)
    } catch {}
  }
  let released = false
  const release = () => {
    if (released) return
    released = true
    process.off('exit', release)
    if (readHolder(path)?.pid === process.pid) {
      try {
        unlinkSync(path)
      } catch {}
    }
  }
  process.on('exit', release)
  return { release }
}
