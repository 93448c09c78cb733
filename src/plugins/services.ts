// Decorates the app with what the composition root (src/container.ts) builds: `app.services` for the routes and
// `app.repositories` for the plugins; starts this process's job workers and closes the container with the app.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { createContainer, type Repositories, type Services } from '../container.ts'

declare module 'fastify' {
  interface FastifyInstance {
    services: Services
    repositories: Repositories
  }
}

async function servicesPlugin (app: FastifyInstance) {
  const { config, database, jobs, log, metrics } = app
  const { services, repositories, workers, close } = createContainer({ config, db: database.db, jobs, log, metrics })
  app.decorate('services', services)
  app.decorate('repositories', repositories)
  // The jobs plugin's preClose stops the workers first; onClose hooks run after every preClose.
  app.addHook('onClose', async () => { await close() })
  await workers.start()
}

export default fp(servicesPlugin, { name: 'services', dependencies: ['database', 'jobs', 'metrics'] })
