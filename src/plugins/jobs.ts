// The job engine (src/jobs), decorated as `app.jobs`. Started with the app; stopped before the database closes:
// a job still running when the app closes is given a few seconds, then failed, to be retried by another process.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { createJobs, type Jobs } from '../jobs/index.ts'

declare module 'fastify' {
  interface FastifyInstance {
    jobs: Jobs
  }
}

async function jobsPlugin (app: FastifyInstance) {
  const jobs = createJobs(app.database, {
    worker: app.config.jobsWorker,
    log: app.log,
    maintenanceIntervalSeconds: app.config.jobsMaintenanceInterval,
    pollIntervalSeconds: app.config.jobsPollInterval,
  })
  await jobs.start()
  app.decorate('jobs', jobs)
  // preClose runs before any onClose hook, so the workers stop while the database is still open.
  app.addHook('preClose', async () => { await jobs.stop() })
}

export default fp(jobsPlugin, { name: 'jobs', dependencies: ['database'] })
