// Runs the `claimtrack` executable as an operator would, with only the environment given, for the command tests.
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { nodeFlags } from '../processes.ts'

const run = promisify(execFile)

const bin = fileURLToPath(new URL('../../src/cli/bin.mjs', import.meta.url))

/**
 * The exit code, stdout and stderr of `claimtrack ...args` with this environment (and PATH, HOME, LOG_LEVEL=silent).
 */
export async function claimtrack (
  store: Record<string, string>,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  return claimtrackIn(process.cwd(), store, ...args)
}

/** claimtrack run in the working directory `cwd`. */
export async function claimtrackIn (
  cwd: string,
  store: Record<string, string>,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'silent', ...store }
  try {
    const { stdout, stderr } = await run(process.execPath, [...nodeFlags, bin, ...args], { cwd, env, timeout: 120_000 })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string }
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' }
  }
}
