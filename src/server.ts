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

  const app = await buildApp(config)
  closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'shutting down after an error')
    else app.log.info({ signal }, 'shutting down')
    await app.close()
  })
  await app.listen({ port: config.port, host: config.host })
}

await main()
