// parseConfig: defaults, every rejected variable named in the ConfigError, empty values as unset, boolean spellings.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { ConfigError, parseConfig } from '../src/config.ts'
import { containerCpus, cpusFromCpuMax } from '../src/lib/cpu-quota.ts'

/** The ConfigError parseConfig throws for env; fails the test when it does not throw one. */
function configErrorOf (t: Test, env: Record<string, string>): ConfigError | undefined {
  try {
    parseConfig(env)
  } catch (error) {
    t.type(error, ConfigError, 'throws a ConfigError')
    t.equal((error as Error).name, 'ConfigError')
    return error as ConfigError
  }
  t.fail(`accepted ${JSON.stringify(env)}`)
  return undefined
}

t.test('an empty environment gives the defaults', async (t) => {
  const config = parseConfig({})
  t.equal(config.port, 3000)
  t.equal(config.host, '127.0.0.1')
  t.equal(config.pgliteDir, './data/pglite')
  t.equal(config.databaseUrl, undefined)
  t.equal(config.seedDemo, undefined)
  t.equal(config.bodyLimit, 1024 * 1024)
  t.equal(config.logLevel, 'info')
})

t.test('good values are parsed and typed', async (t) => {
  const config = parseConfig({
    PORT: '8080',
    HOST: '0.0.0.0',
    DATABASE_URL: 'postgresql://user:pw@db.example:5433/claims',
    PGLITE_DIR: '/tmp/claims',
    LOG_LEVEL: 'debug',
    SEED_DEMO: 'true',
    BODY_LIMIT: '2048',
  })
  t.match(config, {
    port: 8080,
    host: '0.0.0.0',
    databaseUrl: 'postgresql://user:pw@db.example:5433/claims',
    pgliteDir: '/tmp/claims',
    logLevel: 'debug',
    seedDemo: true,
    bodyLimit: 2048,
  })
  t.equal(parseConfig({ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres' }).databaseUrl, 'postgres://postgres@127.0.0.1:5432/postgres')
  t.equal(parseConfig({ PORT: '0' }).port, 0, 'port 0 (any free port) is allowed')
})

t.test('each bad variable is rejected by name', async (t) => {
  const cases: Array<[string, string]> = [
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['PORT', '80.5'],
    ['DATABASE_URL', 'mysql://x'],
    ['DATABASE_URL', 'not-a-url'],
    ['LOG_LEVEL', 'loud'],
    ['SEED_DEMO', 'maybe'],
    ['BODY_LIMIT', '10'],
  ]
  for (const [name, value] of cases) {
    t.test(`${name}=${value}`, async (t) => {
      const error = configErrorOf(t, { [name]: value })
      t.match(error?.message, /^Invalid configuration:/)
      t.match(error?.message, new RegExp(`\\b${name}\\b`), `the message names ${name}`)
      const others = ['PORT', 'DATABASE_URL', 'LOG_LEVEL', 'SEED_DEMO', 'BODY_LIMIT'].filter((n) => n !== name)
      for (const other of others) t.notMatch(error?.message, new RegExp(`\\b${other}\\b`), `and not ${other}`)
    })
  }
})

t.test('a postgres URL that is not postgres says what it must be', async (t) => {
  const error = configErrorOf(t, { DATABASE_URL: 'mysql://x' })
  t.match(error?.message, /DATABASE_URL: must be a postgres:\/\/ or postgresql:\/\/ URL/)
})

t.test('several bad variables are all named at once', async (t) => {
  const error = configErrorOf(t, { PORT: 'abc', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud', SEED_DEMO: 'maybe', BODY_LIMIT: '10' })
  for (const name of ['PORT', 'DATABASE_URL', 'LOG_LEVEL', 'SEED_DEMO', 'BODY_LIMIT']) {
    t.match(error?.message, new RegExp(`^  ${name}: `, 'm'), `names ${name} on a line of its own`)
  }
  t.equal(error?.message.split('\n').length, 6, 'a heading and one line per variable')
})

t.test('empty strings count as unset', async (t) => {
  const config = parseConfig({ PORT: '', HOST: '', DATABASE_URL: '', PGLITE_DIR: '', LOG_LEVEL: '', SEED_DEMO: '', BODY_LIMIT: '' })
  t.same(config, parseConfig({}), 'the same as an empty environment')
  t.equal(config.databaseUrl, undefined)
  t.equal(config.seedDemo, undefined)
})

t.test('a blank PORT is not silently port 0', async (t) => {
  // Number('  ') is 0, which would make the server listen on a random port. Unset (3000) or refused are both fine.
  let port: number | undefined
  try {
    port = parseConfig({ PORT: '  ' }).port
  } catch (error) {
    t.match((error as Error).message, /PORT/, 'refused, naming PORT')
    return
  }
  t.equal(port, 3000, 'treated as unset')
})

t.test('undefined values count as unset', async (t) => {
  t.same(parseConfig({ PORT: undefined, DATABASE_URL: undefined }), parseConfig({}))
})

t.test('unknown variables are ignored', async (t) => {
  t.same(parseConfig({ PATH: '/usr/bin', HOME: '/root', NODE_ENV: 'production' }), parseConfig({}))
})

t.test('SEED_DEMO accepts the usual spellings of a boolean', async (t) => {
  const spellings: Array<[string, boolean]> = [
    ['true', true], ['1', true], ['yes', true], ['on', true],
    ['false', false], ['0', false], ['no', false], ['off', false],
  ]
  for (const [value, expected] of spellings) {
    t.equal(parseConfig({ SEED_DEMO: value }).seedDemo, expected, `SEED_DEMO=${value} -> ${expected}`)
  }
  for (const value of ['2', 'enabled', 'nope']) {
    t.match(configErrorOf(t, { SEED_DEMO: value })?.message, /SEED_DEMO/, `SEED_DEMO=${value} is refused`)
  }
})

t.test('the hardening settings: defaults, and HEADERS_TIMEOUT within REQUEST_TIMEOUT', async (t) => {
  t.match(parseConfig({}), {
    headersTimeout: 10_000,
    maxConnections: 1000,
    search: { statementTimeoutMs: 2000, concurrency: 2 },
    rateLimit: { ipv6PrefixBits: 64 },
  })
  t.match(configErrorOf(t, { REQUEST_TIMEOUT: '5000', HEADERS_TIMEOUT: '6000' })?.message, /HEADERS_TIMEOUT: must not exceed REQUEST_TIMEOUT/)
  for (const [name, value] of [['RATE_LIMIT_IPV6_PREFIX', '129'], ['SEARCH_CONCURRENCY', '0'], ['SEARCH_STATEMENT_TIMEOUT', '10'], ['MAX_CONNECTIONS', '0']] as const) {
    t.match(configErrorOf(t, { [name]: value })?.message, new RegExp(`\\b${name}\\b`), `${name}=${value} is refused by name`)
  }
})

t.test('a server refuses to start without its own CURSOR_SECRET; commands and the embedded database need none', async (t) => {
  const server = { DATABASE_URL: 'postgres://claimtrack@db.internal:5432/claimtrack' }
  t.throws(() => parseConfig(server, { serving: true }), /Invalid configuration:\n {2}CURSOR_SECRET: must be set with DATABASE_URL/)
  t.equal(parseConfig({ ...server, CURSOR_SECRET: 'a-secret-of-our-own-0123' }, { serving: true }).cursorSecret, 'a-secret-of-our-own-0123')
  t.type(parseConfig(server).cursorSecret, 'string', 'commands (migrate, keys, import) parse without one')
  t.type(parseConfig({}, { serving: true }).cursorSecret, 'string', 'the embedded database serves with the built-in one')
  t.throws(() => parseConfig({ ...server, PORT: 'x' }, { serving: true }), /PORT: [^\n]+\n {2}CURSOR_SECRET/, 'named with the other bad variables')
})

t.test('MIGRATE_ON_START is on by default and can be turned off', async (t) => {
  t.equal(parseConfig({}).migrateOnStart, true)
  t.equal(parseConfig({ DATABASE_URL: 'postgres://db/x' }).migrateOnStart, true)
  t.equal(parseConfig({ MIGRATE_ON_START: 'false' }).migrateOnStart, false)
  t.throws(() => parseConfig({ MIGRATE_ON_START: 'later' }), /MIGRATE_ON_START/)
})

t.test('CLAIMTRACK_WORKERS defaults to the cgroup CPU quota, not the host cores', async (t) => {
  t.equal(cpusFromCpuMax('max 100000\n'), undefined, 'no quota')
  t.equal(cpusFromCpuMax('200000 100000\n'), 2)
  t.equal(cpusFromCpuMax('150000 100000'), 2, 'rounded up')
  t.equal(cpusFromCpuMax('50000 100000'), 1, 'at least one')
  t.equal(cpusFromCpuMax('garbage'), undefined)
  const dir = await mkdtemp(join(tmpdir(), 'claimtrack-cgroup-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  await writeFile(join(dir, 'cpu.max'), '100000 100000\n')
  t.equal(containerCpus(dir), 1, 'a one-CPU quota gives one worker whatever the host has')
  await writeFile(join(dir, 'cpu.max'), 'max 100000\n')
  t.equal(containerCpus(dir), availableParallelism(), 'no quota: the cores')
  t.equal(containerCpus(join(dir, 'missing')), availableParallelism(), 'no cgroup files: the cores')
  t.equal(parseConfig({ DATABASE_URL: 'postgres://db/x' }).workers, containerCpus(), 'the default of a server')
  t.equal(parseConfig({}).workers, 1, 'the embedded database keeps one process')
})
