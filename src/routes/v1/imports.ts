// /v1/imports: newsroom tools send a data set of claims and verdicts; a job imports it (as `claimtrack import` does)
// and the status resource tells how it went.
import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from '@fastify/type-provider-zod'
import { IdParams, problemResponses } from '../../schemas/common.ts'
import { CreateImportBody, ImportSchema, toImport } from '../../schemas/imports.ts'
import { keyOf, writeContextOf } from '../http.ts'

export default async function importsRoutes (fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<ZodTypeProvider>()
  // Its worker (the `imports` queue's) is started by the composition root (src/container.ts).
  const imports = app.services.importJobs
  const tags = ['Imports']

  app.post('/imports', {
    // An import publishes verdicts, which takes a reviewer.
    config: { access: 'reviewer' },
    schema: {
      tags,
      operationId: 'createImport',
      summary: 'Import claims and published verdicts from a data set, in the background',
      description: 'Answers 202 at once with the import\'s status resource (also at `Location`); poll it until `status` is `succeeded` or `failed`. Claimants are matched by name or slug; a record seen before (same id, or same review URL) is compared and updated only if it changed; a record that cannot be imported is listed with the reason and the rest goes on.',
      body: CreateImportBody,
      response: { 202: ImportSchema, ...problemResponses(400, 401, 403, 413, 415, 500) },
    },
  }, async (request, reply) => {
    const row = await imports.submit(request.body, { ...writeContextOf(request), onCommit: undefined })
    return reply.code(202).header('location', `/v1/imports/${row.id}`).send(toImport(row))
  })

  app.get('/imports/:id', {
    // Whoever may import may follow an import.
    config: { access: 'reviewer' },
    schema: {
      tags,
      operationId: 'getImport',
      summary: 'How an import went',
      params: IdParams,
      response: { 200: ImportSchema, ...problemResponses(400, 401, 403, 404, 500) },
    },
  }, async (request) => toImport(await imports.get(keyOf(request).organizationId, request.params.id)))
}
