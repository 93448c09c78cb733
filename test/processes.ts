// Shared by the tests that start the server or a command as a process of its own.
import { once } from 'node:events'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'

/** A TCP port on 127.0.0.1 that nobody listens on right now. */
export async function freePort (): Promise<number> {
  const probe = createServer()
  probe.listen(0, '127.0.0.1')
  await once(probe, 'listening')
  const address = probe.address()
  probe.close()
  await once(probe, 'close')
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

/**
 * Node flags for the processes the tests start, as package.json's tap section gives the test processes:
 * - PGlite's WebAssembly compiled by the baseline compiler only (Liftoff). Without it V8 recompiles the functions
 *   PGlite runs most with its optimising compiler, several seconds of CPU in every process that opens an embedded
 *   database; the tests' short-lived processes never earn that back (measured per test file in docs/development.md).
 *   Only the tiering of compiled code differs: what the process does is the same.
 * - src/preload.ts, as the `claimtrack` executable loads it: module resolution without Node 24's second of CPU for
 *   drizzle-orm (the server runs the same modules without it).
 */
export const nodeFlags = ['--liftoff-only', `--import=${fileURLToPath(new URL('../src/preload.ts', import.meta.url))}`]
