// Liveness and readiness probes for load balancers and orchestrators.
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from '@fastify/type-provider-zod'
import { z } from 'zod'
import { problem } from '../errors.ts'
import { problemResponses } from '../schemas/common.ts'

const Health = z.object({ status: z.literal('ok') }).meta({ id: 'Health' })
const Readiness = z.object({
  status: z.literal('ok'),
  database: z.enum(['postgres', 'pglite']).describe('Which database this process serves from.'),
  matchIndex: z.enum(['ready', 'building', 'off']).describe(
    'The claim-matching index of this process: `building` after start-up (matching answers from SQL meanwhile, ' +
    'slower but with the same results), `ready` once built, `off` when `MATCH_INDEX=false`.'
  ),
}).meta({ id: 'Readiness' })

export default async function healthRoutes (fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>()
  const tags = ['Operations']

  app.get('/healthz', {
    // Liveness answers under load too (load shedding exempts it): an orchestrator must not restart a busy process.
    config: { probe: true, loadShedding: false },
    schema: {
      tags,
      operationId: 'getHealth',
      summary: 'Liveness: the process is up',
      response: { 200: Health },
    },
    logLevel: 'warn',
  }, async () => ({ status: 'ok' as const }))

  app.get('/readyz', {
    config: { probe: true },
    schema: {
      tags,
      operationId: 'getReadiness',
      summary: 'Readiness: the database answers',
      response: { 200: Readiness, ...problemResponses(503) },
    },
    logLevel: 'warn',
  }, async () => {
    try {
      await app.database.ping()
    } catch (error) {
      app.log.warn({ err: error }, 'readiness check: database unreachable')
      throw problem('service-unavailable', 'The database is not reachable.', { headers: { 'retry-after': '5' } })
    }
    return { status: 'ok' as const, database: app.database.kind, matchIndex: app.services.matchIndex.state() }
  })
}
