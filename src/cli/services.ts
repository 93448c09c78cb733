// The services as the commands use them: the configured database, migrated, and a job engine that only queues, so
// that a change made by a command (an import publishing verdicts) queues its webhook events as the API's changes do.
// The serving processes deliver them.
import { parseConfig, type Config } from '../config.ts'
import { createDatabase, type Database } from '../db/client.ts'
import { createJobs } from '../jobs/index.ts'
import { createServices, type Services } from '../plugins/services.ts'

const log = {
  warn: (_: object, message: string) => console.error(message),
  error: (_: object, message: string) => console.error(message),
}

export async function openServices (config: Config = parseConfig(process.env)): Promise<{ config: Config, database: Database, services: Services }> {
  const database = await createDatabase(config)
  try {
    await database.migrate()
  } catch (error) {
    await database.close()
    throw error
  }
  const jobs = createJobs(database, { worker: false, log })
  // pg-boss sends only once started; it stops before the database closes.
  await jobs.start()
  const close = async () => { await jobs.stop(); await database.close() }
  return { config, database: { ...database, close }, services: createServices(database.db, config, log, jobs) }
}
