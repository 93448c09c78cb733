// /v1/claims/{claimId}/appearances: where a claim was made or reported.
import type { FastifyInstance } from 'fastify'
import { AppearanceSchema, CreateAppearanceBody, UpdateAppearanceBody, toAppearance } from '../../schemas/appearances.ts'
import { versionEtag } from '../../lib/etag.ts'
import { registerClaimChildRoutes } from './claim-child-routes.ts'

export default async function appearancesRoutes (app: FastifyInstance) {
  registerClaimChildRoutes(app, {
    path: 'appearances',
    tag: 'Appearances',
    singular: 'Appearance',
    plural: 'Appearances',
    schema: AppearanceSchema,
    createBody: CreateAppearanceBody,
    updateBody: UpdateAppearanceBody,
    service: app.services.appearances,
    toResponse: toAppearance,
    etagOf: (row) => versionEtag(row.version),
    writeAccess: 'editor',
  })
}
