// `npm run db:migrate`: applies pending migrations to the configured database and exits.
import { ConfigError, parseConfig } from '../config.ts'
import { createDatabase } from '../db/client.ts'

try {
  const config = parseConfig(process.env)
  const database = await createDatabase(config)
  try {
    await database.migrate()
    console.log(`migrations applied (${database.kind})`)
  } finally {
    await database.close()
  }
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : `migration failed: ${(error as Error).message}`)
  process.exitCode = 1
}
