// Builds the repositories and services once per app and decorates them as `app.services`.
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Config } from '../config.ts'
import type { Db } from '../db/client.ts'
import { createCursors } from '../lib/cursor.ts'
import { createAppearancesRepository, createEvidenceRepository } from '../repositories/claim-children.ts'
import { createClaimantsRepository } from '../repositories/claimants.ts'
import { createClaimsRepository } from '../repositories/claims.ts'
import { createChangesRepository } from '../repositories/changes.ts'
import { createMatchingRepository } from '../repositories/matching.ts'
import { createOrganizationsRepository } from '../repositories/organizations.ts'
import { createLookupRepository } from '../repositories/lookup.ts'
import { createPrefixListRepository } from '../repositories/prefix-list.ts'
import { createPublishedRepository } from '../repositories/published.ts'
import { createRatingScalesRepository } from '../repositories/rating-scales.ts'
import { createReviewsRepository } from '../repositories/reviews.ts'
import { createRevisionsRepository } from '../repositories/revisions.ts'
import { createWebhooksRepository } from '../repositories/webhooks.ts'
import { createAddressPolicy } from '../lib/webhook-address.ts'
import { createAppearancesService, createEvidenceService } from '../services/claim-children.ts'
import { createClaimantsService } from '../services/claimants.ts'
import { createClaimsService } from '../services/claims.ts'
import { createHistory } from '../services/history.ts'
import { createImportService } from '../services/import.ts'
import { exportClaims } from '../services/export.ts'
import { createExportRepository, type ExportFilters } from '../repositories/export.ts'
import type { ImportFormat } from '../services/import-formats.ts'
import { createChangesService } from '../services/changes.ts'
import { createMatchingService } from '../services/matching.ts'
import { createOrganizationsService } from '../services/organizations.ts'
import { createLookupService } from '../services/lookup.ts'
import { createPrefixListService } from '../services/prefix-list.ts'
import { createPublishedService } from '../services/published.ts'
import { createRatingScalesService } from '../services/rating-scales.ts'
import { createReviewsService } from '../services/reviews.ts'
import { createWebhookEvents, type JobSender } from '../services/webhook-events.ts'
import { createWebhooksService } from '../services/webhooks.ts'
import { parseConfig } from '../config.ts'

/** A process without a job engine (a command) cannot queue webhook events: a change that would send one fails. */
const noJobs: JobSender = {
  send: async () => { throw new Error('This process has no job engine, so it cannot queue the webhook events this change causes.') },
}

export function createServices (db: Db, config: Pick<Config, 'cursorSecret'> & Partial<Pick<Config, 'webhooks'>>, log: { warn(obj: object, msg: string): void }, jobs: JobSender = noJobs) {
  const cursors = createCursors(config.cursorSecret)
  const webhookConfig = config.webhooks ?? parseConfig({}).webhooks
  const repos = {
    claims: createClaimsRepository(db),
    claimants: createClaimantsRepository(db),
    appearances: createAppearancesRepository(db),
    evidence: createEvidenceRepository(db),
    reviews: createReviewsRepository(db),
    ratingScales: createRatingScalesRepository(db),
    revisions: createRevisionsRepository(db),
    published: createPublishedRepository(db),
    lookup: createLookupRepository(db),
    prefixLists: createPrefixListRepository(db),
    changes: createChangesRepository(db),
    matching: createMatchingRepository(db),
    organizations: createOrganizationsRepository(db),
    webhooks: createWebhooksRepository(db),
    export: createExportRepository(db),
  }
  const webhookEvents = createWebhookEvents({ webhooks: repos.webhooks, ratingScales: repos.ratingScales, jobs, ...webhookConfig })
  const history = createHistory(repos.revisions, webhookEvents.onChanges)
  const writers = {
    claims: createClaimsService(db, repos, history, cursors),
    claimants: createClaimantsService(db, repos.claimants, history, cursors),
    appearances: createAppearancesService(db, repos.claims, repos.appearances, history, cursors),
    reviews: createReviewsService(db, repos, history, cursors),
  }
  return {
    organizations: createOrganizationsService(db, repos.organizations, cursors),
    ...writers,
    evidence: createEvidenceService(db, repos.claims, repos.evidence, history, cursors),
    imports: createImportService(db, repos, writers, history),
    exports: { claims: (filters: ExportFilters, format: ImportFormat) => exportClaims(repos.export, filters, format) },
    ratingScales: createRatingScalesService(db, repos.ratingScales, history, cursors),
    published: createPublishedService(db, repos.claims, repos.published, cursors),
    lookup: createLookupService(repos.lookup),
    prefixList: createPrefixListService(repos.prefixLists),
    changes: createChangesService(repos.changes, repos.claims, repos.reviews, cursors),
    matching: createMatchingService(repos.matching, repos.claims, log),
    webhooks: createWebhooksService(db, repos.webhooks, webhookEvents, createAddressPolicy(webhookConfig.allowedHosts), cursors),
  }
}

export type Services = ReturnType<typeof createServices>

declare module 'fastify' {
  interface FastifyInstance {
    services: Services
  }
}

async function servicesPlugin (app: FastifyInstance) {
  app.decorate('services', createServices(app.db, app.config, app.log, app.jobs))
}

export default fp(servicesPlugin, { name: 'services', dependencies: ['database', 'jobs'] })
