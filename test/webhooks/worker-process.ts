// A job worker of its own for the crash test: the app on the configuration in its environment, running jobs (webhook
// deliveries) until it is killed, or closed by SIGTERM. Says `ready` on stdout once it runs, and `idle` once the
// delivery queue is empty (nothing waiting, nothing running, here or in a worker that died).
import { setTimeout as sleep } from 'node:timers/promises'
import { buildApp } from '../../src/app.ts'
import { parseConfig } from '../../src/config.ts'
import { WEBHOOK_QUEUE } from '../../src/jobs/queues.ts'

const app = await buildApp(parseConfig(process.env))
await app.ready()
const closing = new AbortController()
process.on('SIGTERM', () => {
  closing.abort()
  app.close().then(() => process.exit(0), () => process.exit(1))
})
process.stdout.write('ready\n')
while (!closing.signal.aborted && await app.jobs.queueSize(WEBHOOK_QUEUE) > 0) await sleep(200)
if (!closing.signal.aborted) process.stdout.write('idle\n')
