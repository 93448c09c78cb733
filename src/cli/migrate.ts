// `npm run db:migrate` (or `claimtrack migrate`): applies pending migrations to the configured database and exits.
import { fileURLToPath } from 'node:url'
import { ConfigError, parseConfig } from '../config.ts'
import { migrate } from '../container.ts'
import { createDatabase } from '../db/client.ts'
import { lockDataDir } from '../db/data-dir-lock.ts'
import { describeError } from './usage.ts'

/** Migrates; resolves with the exit code (0 done, 1 failed), having said why on stderr. */
export async function runMigrate (): Promise<number> {
  try {
    const config = parseConfig(process.env)
    const lock = lockDataDir(config, 'migrate')
    try {
      const database = await createDatabase(config)
      try {
        await migrate(database)
        console.log(`migrations applied (${database.kind})`)
        return 0
      } finally {
        await database.close()
      }
    } finally {
      lock.release()
    }
  } catch (error) {
    console.error(error instanceof ConfigError ? error.message : `migration failed: ${describeError(error)}`)
    return 1
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exitCode = await runMigrate()
