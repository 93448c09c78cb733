// `npm run keys`: the operator's bootstrap. It makes the first organisation and admin key (there are no default
// credentials), prints the key alone on stdout, lists and revokes keys, and exits 2 on bad usage.
import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t, { type Test } from 'tap'
import { buildApp } from '../../src/app.ts'
import { parseConfig } from '../../src/config.ts'
import { freshDatabase, migratedPgliteDir, onServer } from '../helper.ts'
import { nodeFlags } from '../processes.ts'

// Each command is a process of its own that compiles PGlite (on the embedded database) and opens its database: on a
// busy 2-core machine a file of them needs longer than tap's 300 s per file.
t.setTimeout(600_000)

const run = promisify(execFile)

/** Where the command and the app keep their data: an embedded directory, or a fresh database on the server. */
type Store = Record<string, string>

/** Runs the command on the store; never throws, so that exit codes can be checked. */
async function keys (store: Store, ...args: string[]): Promise<{ code: number, stdout: string, stderr: string }> {
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'silent', ...store }
  try {
    const { stdout, stderr } = await run(process.execPath, [...nodeFlags, 'src/cli/keys.ts', ...args], { env, timeout: 120_000 })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code?: number, stdout?: string, stderr?: string }
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' }
  }
}

/**
 * On PGlite a migrated data directory with nothing in it (as the deploy step's `claimtrack migrate` leaves one); with
 * DATABASE_URL, an empty migrated database on the server.
 */
async function emptyStore (t: Test): Promise<Store> {
  if (onServer) {
    // Held by this test until it ends: the commands below open it themselves, by its URL.
    const { env } = await freshDatabase(t)
    return env
  }
  const dir = await mkdtemp(join(tmpdir(), 'claimtrack-keys-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return { PGLITE_DIR: await migratedPgliteDir(join(dir, 'pglite')) }
}

t.test('create makes the organisation and an admin key that the API accepts; revoke ends it', async (t) => {
  const store = await emptyStore(t)
  const created = await keys(store, 'create', '--org', 'factcheck-desk', '--org-name', 'Fact Check Desk', '--org-url', 'https://factcheck.example.org', '--role', 'admin', '--name', 'first admin')
  t.equal(created.code, 0, created.stderr)
  const key = created.stdout.trim()
  t.match(key, /^ct_[0-9A-Za-z]{43}_[0-9A-Za-z]{6}$/, 'the key alone on stdout')
  t.match(created.stderr, /created organization factcheck-desk/)
  t.notMatch(created.stderr, key, 'the key is not repeated on stderr')

  const listed = await keys(store, 'list', '--org', 'factcheck-desk')
  t.equal(listed.code, 0, listed.stderr)
  const [line] = listed.stdout.trim().split('\n')
  const [id, prefix, role, name, , , state] = (line ?? '').split('\t')
  t.same([prefix, role, name, state], [key.slice(0, 11), 'admin', '"first admin"', 'live'])
  t.notMatch(listed.stdout, key, 'listing never shows the key')

  const app = await buildApp(parseConfig({ ...store, LOG_LEVEL: 'silent', SEED_DEMO: 'false' }))
  try {
    const org = await app.inject({ method: 'GET', url: '/v1/organizations/factcheck-desk' })
    t.match(org.json(), { slug: 'factcheck-desk', name: 'Fact Check Desk', url: 'https://factcheck.example.org' })
    const apiKeys = await app.inject({ method: 'GET', url: '/v1/api-keys', headers: { authorization: `Bearer ${key}` } })
    t.equal(apiKeys.statusCode, 200, 'the admin key works')
    t.equal(apiKeys.json().data[0].id, id)
  } finally {
    await app.close()
  }

  const revoked = await keys(store, 'revoke', '--org', 'factcheck-desk', '--id', id ?? '')
  t.equal(revoked.code, 0, revoked.stderr)
  const again = await keys(store, 'revoke', '--org', 'factcheck-desk', '--id', id ?? '')
  t.equal(again.code, 1, 'revoking twice fails')
  t.match(again.stderr, /already revoked/)
  const after = await buildApp(parseConfig({ ...store, LOG_LEVEL: 'silent', SEED_DEMO: 'false' }))
  try {
    const res = await after.inject({ method: 'GET', url: '/v1/api-keys', headers: { authorization: `Bearer ${key}` } })
    t.equal(res.statusCode, 401, 'a revoked key is refused')
  } finally {
    await after.close()
  }

  const unknown = await keys(store, 'list', '--org', 'nobody')
  t.equal(unknown.code, 1, 'an unknown organisation exits 1')
  t.match(unknown.stderr, /nobody/)
})

t.test('bad usage exits 2 with the usage, before touching any database', async (t) => {
  // A path no database could be opened at: usage errors must not get that far.
  const store = { PGLITE_DIR: '/nonexistent/claimtrack-keys' }
  for (const args of [['frobnicate'], ['create', '--org', 'desk'], ['create', '--org', 'Not A Slug', '--role', 'owner']]) {
    const res = await keys(store, ...args)
    t.equal(res.code, 2, `${args.join(' ') || '(nothing)'}: exit 2`)
    t.match(res.stderr, /Usage:/)
    t.equal(res.stdout, '', 'nothing on stdout')
  }
  const help = await keys(store, '--help')
  t.equal(help.code, 0)
  t.match(help.stderr, /npm run keys -- create/)
})
