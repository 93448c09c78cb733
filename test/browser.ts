// The browser the browser tests drive: Debian's Chromium. Missing, a test fails and names the one command to run.
import { existsSync } from 'node:fs'
import type { Test } from 'tap'

export const CHROMIUM = '/usr/bin/chromium'

/** Whether Chromium is installed; when not, fails the test with the command that installs it. */
export function haveChromium (t: Test): boolean {
  if (existsSync(CHROMIUM)) return true
  t.fail(`${CHROMIUM} is missing. Install it once with: apt-get install -y --no-install-recommends chromium   (as root; .ci/run does so in CI)`)
  return false
}

/** Flags for a headless Chromium on a machine without outside network (its own background connections off). */
export const chromiumArgs = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
