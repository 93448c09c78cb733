// `claimtrack <command>`: the one command for operators. serve, migrate, seed --demo, keys, import and export;
// `--help` on each.
// Exit codes scripts can trust: 0 done, 1 failed (one readable line on stderr), 2 bad usage (with the usage).
// What opens a database (the services, the migrator, the demo data) is loaded only by the command that uses it: the
// app's modules take seconds to load, which help, --version and bad usage do without.
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { ConfigError } from '../config.ts'
import { runKeys } from './keys.ts'
import { exportHelp, importHelp, runExport, runImport } from './impex.ts'
import { UsageError, describeError } from './usage.ts'

const usage = `Usage: claimtrack <command> [options]

Commands:
  serve               serve the API (settings from the environment; see docs/configuration.md)
  migrate             apply pending migrations to the configured database, then exit
  seed --demo         put the demo claims into a database that has never held a claim or claimant
  keys create|list|revoke …
                      make organisations and API keys (claimtrack keys --help)
  import FILE --format jsonl|csv|claimreview --org SLUG [--scale SLUG]
                      import claims, claimants and published verdicts; again changes nothing
  export --format jsonl|csv|claimreview [filters]
                      write claims out, streaming (what import reads)

Every command takes --help; --version prints the version. Exit codes: 0 done, 1 failed, 2 bad usage.
DATABASE_URL selects a Postgres server; without it, the embedded database in PGLITE_DIR (one process at a time).`

const help: Record<string, string> = {
  serve: 'Usage: claimtrack serve\n\nServes the API on HOST:PORT until SIGTERM or SIGINT. Every setting comes from the environment (docs/configuration.md).',
  migrate: 'Usage: claimtrack migrate\n\nApplies pending migrations to DATABASE_URL (or the embedded database in PGLITE_DIR) and exits.',
  import: importHelp,
  export: exportHelp,
  seed: 'Usage: claimtrack seed --demo\n\nPuts the demo claims (organisation `demo`) into a database that has never held a claim or claimant; on any other it changes nothing and says so.',
}

async function seed (argv: string[]): Promise<number> {
  let demo: boolean | undefined
  try {
    demo = parseArgs({ args: argv, options: { demo: { type: 'boolean' } } }).values.demo
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  if (demo !== true) throw new UsageError('seed needs --demo (the only data set there is)')
  const [{ openServices }, { neverHeldClaims, seedDemo }] = await Promise.all([import('./services.ts'), import('../seed/demo.ts')])
  const { database, services } = await openServices(undefined, 'seed')
  try {
    if (!await neverHeldClaims(database.db)) {
      console.error('seed: the database already holds claims or claimants; nothing seeded')
      return 0
    }
    await seedDemo(services)
    console.error(`seed: seeded the demo claims (${database.kind})`)
    return 0
  } finally {
    await database.close()
  }
}

async function main (argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  if (command === '--help' || command === '-h' || command === 'help') {
    console.log(usage)
    return 0
  }
  if (command === '--version' || command === '-v' || command === 'version') {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
    console.log(`claimtrack ${version} (Node.js ${process.versions.node})`)
    return 0
  }
  if (command === undefined) throw new UsageError('a command is needed')
  if (command === 'keys') return runKeys(rest)
  const text = help[command]
  if (text === undefined) throw new UsageError(`unknown command "${command}"`)
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(text)
    return 0
  }
  if (command === 'seed') return seed(rest)
  if (command === 'import') return runImport(rest)
  if (command === 'export') return runExport(rest)
  if (rest.length > 0) throw new UsageError(`${command} takes no arguments: "${rest[0]}"`)
  if (command === 'migrate') return (await import('./migrate.ts')).runMigrate()
  // serve: the server module parses the configuration, listens, and exits by itself.
  await import('../server.ts')
  return 0
}

try {
  const code = await main(process.argv.slice(2))
  if (code !== 0) process.exitCode = code
} catch (error) {
  if (error instanceof UsageError) {
    console.error(`claimtrack: ${error.message}\n\n${usage}`)
    process.exitCode = 2
  } else {
    console.error(`claimtrack: ${error instanceof ConfigError ? error.message : describeError(error)}`)
    process.exitCode = 1
  }
}
