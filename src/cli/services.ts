// The services as the commands use them, built by the composition root the app uses (src/container.ts): the configured
// database, migrated (or, with MIGRATE_ON_START=false, checked to be), and a job engine that only queues, so that a
// change made by a command (an import publishing verdicts) queues its webhook events as the API's changes do.
// The serving processes deliver them.
import { parseConfig, type Config } from '../config.ts'
import { createContainer, migrate, type Services } from '../container.ts'
import { createDatabase, pendingMigrations, type Database } from '../db/client.ts'
import { lockDataDir } from '../db/data-dir-lock.ts'
import { createJobs } from '../jobs/index.ts'

const log = {
  warn: (_: object, message: string) => console.error(message),
  error: (_: object, message: string) => console.error(message),
}

/**
 * Opens the configured database for the command `role` (`keys`, `import` ...); on the embedded database, refuses
 * (DataDirInUseError) while another process, e.g. the server, has it open. Closing the database releases it.
 */
export async function openServices (config: Config = parseConfig(process.env), role = 'command'): Promise<{ config: Config, database: Database, services: Services }> {
  const lock = lockDataDir(config, role)
  let opened: Database
  try {
    opened = await createDatabase(config)
  } catch (error) {
    lock.release()
    throw error
  }
  const database: Database = { ...opened, close: () => opened.close().finally(() => lock.release()) }
  try {
    if (config.migrateOnStart) await migrate(database)
    else if (await pendingMigrations(database) > 0) throw new Error('the database lacks migrations and MIGRATE_ON_START is false: run `claimtrack migrate` first')
  } catch (error) {
    await database.close()
    throw error
  }
  const jobs = createJobs(database, {
    worker: false,
    log,
    maintenanceIntervalSeconds: config.jobsMaintenanceInterval,
    pollIntervalSeconds: config.jobsPollInterval,
  })
  // pg-boss sends only once started; it stops before the database closes.
  await jobs.start()
  const close = async () => { await jobs.stop(); await database.close() }
  const { services } = createContainer({ config, db: database.db, jobs, log })
  return { config, database: { ...database, close }, services }
}
