// /v1/claims/{claimId}/evidence: sources that support, refute or give context to a claim.
import type { FastifyInstance } from 'fastify'
import { CreateEvidenceBody, EvidenceSchema, UpdateEvidenceBody, toEvidence } from '../../schemas/evidence.ts'
import { versionEtag } from '../../lib/etag.ts'
import { registerClaimChildRoutes } from './claim-child-routes.ts'

export default async function evidenceRoutes (app: FastifyInstance) {
  registerClaimChildRoutes(app, {
    path: 'evidence',
    tag: 'Evidence',
    singular: 'Evidence',
    plural: 'Evidence',
    schema: EvidenceSchema,
    createBody: CreateEvidenceBody,
    updateBody: UpdateEvidenceBody,
    service: app.services.evidence,
    toResponse: toEvidence,
    etagOf: (row) => versionEtag(row.version),
    writeAccess: 'editor',
  })
}
