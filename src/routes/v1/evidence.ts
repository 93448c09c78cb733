// /v1/claims/{claimId}/evidence: sources that support, refute or give context to a claim.
import type { FastifyInstance } from 'fastify'
import { CreateEvidenceBody, EvidenceSchema, UpdateEvidenceBody, toEvidence } from '../../schemas/evidence.ts'
import { versionEtag } from '../../lib/tokens/etag.ts'
import { registerClaimChildRoutes } from './claim-child-routes.ts'

export default async function evidenceRoutes (app: FastifyInstance) {
  registerClaimChildRoutes(app, {
    path: 'evidence',
    tag: 'Evidence',
    pageSchemaId: 'EvidencePage',
    operations: {
      list: { operationId: 'listEvidence', summary: 'List the evidence of a claim, newest first' },
      create: { operationId: 'createEvidence', summary: 'Add a piece of evidence to a claim' },
      get: { operationId: 'getEvidence', summary: 'Get one piece of evidence of a claim' },
      update: { operationId: 'updateEvidence', summary: 'Change some fields of a piece of evidence' },
      delete: { operationId: 'deleteEvidence', summary: 'Remove a piece of evidence from a claim' },
    },
    schema: EvidenceSchema,
    createBody: CreateEvidenceBody,
    updateBody: UpdateEvidenceBody,
    service: app.services.evidence,
    toResponse: toEvidence,
    etagOf: (row) => versionEtag(row.version),
    writeAccess: 'editor',
  })
}
