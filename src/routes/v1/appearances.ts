// /v1/claims/{claimId}/appearances: where a claim was made or reported.
import type { FastifyInstance } from 'fastify'
import { AppearanceSchema, CreateAppearanceBody, UpdateAppearanceBody, toAppearance } from '../../schemas/appearances.ts'
import { versionEtag } from '../../lib/tokens/etag.ts'
import { registerClaimChildRoutes } from './claim-child-routes.ts'

export default async function appearancesRoutes (app: FastifyInstance) {
  registerClaimChildRoutes(app, {
    path: 'appearances',
    tag: 'Appearances',
    pageSchemaId: 'AppearancePage',
    operations: {
      list: { operationId: 'listAppearances', summary: 'List the appearances of a claim, newest first' },
      create: { operationId: 'createAppearance', summary: 'Add an appearance to a claim' },
      get: { operationId: 'getAppearance', summary: 'Get one appearance of a claim' },
      update: { operationId: 'updateAppearance', summary: 'Change some fields of an appearance' },
      delete: { operationId: 'deleteAppearance', summary: 'Remove an appearance from a claim' },
    },
    schema: AppearanceSchema,
    createBody: CreateAppearanceBody,
    updateBody: UpdateAppearanceBody,
    service: app.services.appearances,
    toResponse: toAppearance,
    etagOf: (row) => versionEtag(row.version),
    writeAccess: 'editor',
  })
}
