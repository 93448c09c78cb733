// The only file that listens: parse the configuration, build the app, listen, and shut down gracefully.
import closeWithGrace from 'close-with-grace'
import { buildApp } from './app.ts'
import { ConfigError, parseConfig } from './config.ts'

async function main () {
  let config
  try {
    config = parseConfig(process.env)
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message)
      process.exit(2)
    }
    throw error
  }

  let app
  try {
    app = await buildApp(config)
  } catch (error) {
    // Migrations, the durability check or the database itself: one readable line, and a failed exit for the
    // orchestrator to restart or report.
    console.error(`claimtrack: could not start: ${(error as Error).message}`)
    process.exit(1)
  }
  closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'shutting down after an error')
    else app.log.info({ signal }, 'shutting down')
    await app.close()
  })
  await app.listen({ port: config.port, host: config.host })
}

await main()
