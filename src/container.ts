// The composition root: given the configuration, the database, the job engine and a logger, builds every repository,
// service and job worker once and returns them. The app's plugins decorate the instance with what it built
// (src/plugins/services.ts) and close it; the commands (src/cli/services.ts) and the demo seed use the same function.
// Nothing else constructs a repository, a service or a worker (test/container.test.ts checks it).
import { Counter, type Registry } from 'prom-client'
import type { Config } from './config.ts'
import type { Database, Db } from './db/client.ts'
import { migrateJobStore, type Jobs } from './jobs/index.ts'
import { IMPORT_QUEUE, WEBHOOK_QUEUE } from './jobs/queues.ts'
import { createCursors } from './lib/tokens/cursor.ts'
import { createAddressPolicy } from './lib/webhooks/address.ts'
import { createAppearancesRepository, createEvidenceRepository } from './repositories/claim-children.ts'
import { createChangesRepository } from './repositories/changes.ts'
import { createClaimantsRepository } from './repositories/claimants.ts'
import { createClaimsRepository } from './repositories/claims.ts'
import { createExportRepository, type ExportFilters } from './repositories/export.ts'
import { createImportsRepository } from './repositories/imports.ts'
import { createIdempotencyRepository } from './repositories/idempotency.ts'
import { createLookupRepository } from './repositories/lookup.ts'
import { createPrefixListRepository } from './repositories/prefix-list.ts'
import { createMatchingRepository } from './repositories/matching.ts'
import { createOrganizationsRepository } from './repositories/organizations.ts'
import { createRateLimitsRepository } from './repositories/rate-limits.ts'
import { createPublishedRepository } from './repositories/published.ts'
import { createRatingScalesRepository } from './repositories/rating-scales.ts'
import { createReviewsRepository } from './repositories/reviews.ts'
import { createRevisionsRepository } from './repositories/revisions.ts'
import { createWebhooksRepository } from './repositories/webhooks.ts'
// The API contracts the root hands to services. Zod registers named schemas as their modules load, and the OpenAPI
// document lists its components in that order: these three load in the order openapi/openapi.json was written in.
import { toReview } from './schemas/reviews.ts'
import './schemas/claimreview.ts'
import { importRecordChecks } from './schemas/import-records.ts'
import { createChangesService } from './services/changes.ts'
import { createAppearancesService, createEvidenceService } from './services/claim-children.ts'
import { createClaimantsService } from './services/claimants.ts'
import { createClaimsService } from './services/claims.ts'
import { exportClaims } from './services/export.ts'
import { createHistory } from './services/history.ts'
import type { ImportFormat } from './services/import-formats.ts'
import { createImportJobsService } from './services/import-jobs.ts'
import { createImportService } from './services/import.ts'
import { createBatchWriter } from './services/import-batch.ts'
import { createLookupService } from './services/lookup.ts'
import { createPrefixListService } from './services/prefix-list.ts'
import { createMatchingService } from './services/matching.ts'
import { createMatchIndexService } from './services/match-index.ts'
import { createOrganizationsService } from './services/organizations.ts'
import { createPublishedService } from './services/published.ts'
import { createRatingScalesService } from './services/rating-scales.ts'
import { createReviewsService } from './services/reviews.ts'
import { createWebhookDelivery } from './services/webhook-delivery.ts'
import { createWebhookEvents, type DeliveryJob } from './services/webhook-events.ts'
import { createWebhooksService } from './services/webhooks.ts'

/** What the root needs of the job engine: sending jobs, and running workers (a no-op with JOBS_WORKER=false). */
export type JobEngine = Pick<Jobs, 'send' | 'work'>

export interface ContainerOptions {
  config: Config
  db: Db
  /** Without one (a tool that only reads) a change that would queue a webhook event fails, saying why. */
  jobs?: JobEngine
  log: { warn(obj: object, msg: string): void, info?(obj: object, msg: string): void }
  /** The app's metrics registry: webhook delivery attempts are counted there. */
  metrics?: Registry
}

/** A process without a job engine cannot queue webhook events: a change that would send one fails. */
const noJobs: JobEngine = {
  send: async () => {
    throw new Error('This process has no job engine, so it cannot queue the webhook events this change causes.')
  },
  work: async () => {},
}

/** Webhook delivery workers in each process that runs jobs, and deliveries each runs side by side: several workers,
 * since a worker waits for the slowest delivery of its batch (up to the timeout) before it fetches again. */
const DELIVERY_WORKERS = 4
const DELIVERIES_AT_ONCE = 5

/** One repository per aggregate, on the given database. */
export function createRepositories (db: Db) {
  return {
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
    imports: createImportsRepository(db),
    export: createExportRepository(db),
    idempotency: createIdempotencyRepository(db),
    rateLimits: createRateLimitsRepository(db),
  }
}

export type Repositories = ReturnType<typeof createRepositories>

export function createContainer ({ config, db, jobs = noJobs, log, metrics }: ContainerOptions) {
  const repos = createRepositories(db)
  const cursors = createCursors(config.cursorSecret)
  const { allowedHosts, timeoutMs, retryDelaySeconds } = config.webhooks
  const addressPolicy = createAddressPolicy(allowedHosts)
  const { webhooks, ratingScales } = repos
  const webhookEvents = createWebhookEvents({ webhooks, ratingScales, jobs, retryDelaySeconds, timeoutMs, toReview })
  const history = createHistory(repos.revisions, webhookEvents.onChanges)
  const matchIndex = createMatchIndexService(repos.matching, {
    enabled: config.search.matchIndex || config.search.searchIndex,
    search: config.search.searchIndex,
    matching: config.search.matchIndex,
    log,
  })
  const searchIndex = config.search.searchIndex ? { index: matchIndex, log } : undefined
  const writers = {
    claims: createClaimsService(db, repos, history, cursors, searchIndex),
    claimants: createClaimantsService(db, repos.claimants, history, cursors),
    appearances: createAppearancesService(db, repos.claims, repos.appearances, history, cursors),
    reviews: createReviewsService(db, repos, history, cursors),
  }
  const imports = createImportService(db, repos, writers, createBatchWriter(db, repos, history), importRecordChecks)
  const services = {
    organizations: createOrganizationsService(db, repos.organizations, cursors),
    ...writers,
    evidence: createEvidenceService(db, repos.claims, repos.evidence, history, cursors),
    imports,
    /** Imports sent over HTTP, run by the `imports` queue's worker. */
    importJobs: createImportJobsService(db, repos.imports, jobs, imports),
    exports: { claims: (filters: ExportFilters, format: ImportFormat) => exportClaims(repos.export, filters, format) },
    ratingScales: createRatingScalesService(db, repos.ratingScales, history, cursors),
    published: createPublishedService(db, repos.claims, repos.published, cursors),
    lookup: createLookupService(repos.lookup),
    prefixList: createPrefixListService(repos.prefixLists),
    changes: createChangesService(repos.changes, repos.claims, repos.reviews, cursors),
    matchIndex,
    matching: createMatchingService(repos.matching, matchIndex, repos.claims, log),
    webhooks: createWebhooksService(db, repos.webhooks, webhookEvents, addressPolicy, cursors),
  }

  const attempts = metrics && new Counter({
    name: 'claimtrack_webhook_deliveries_total',
    help: 'Webhook delivery attempts by outcome: `failed` is any answer but a 2xx, or none (refused address, ' +
      'connection error, timeout).',
    labelNames: ['outcome'] as const,
    registers: [metrics],
  })
  const delivery = createWebhookDelivery({
    webhooks: repos.webhooks,
    policy: addressPolicy,
    timeoutMs,
    ...(attempts && { onAttempt: (outcome: 'succeeded' | 'failed') => attempts.inc({ outcome }) }),
  })

  /** The job workers of this process, one per queue (src/jobs/queues.ts declares the queues). */
  const workers = {
    /** Starts them; does nothing in a process that only sends jobs (JOBS_WORKER=false, the commands). */
    async start (): Promise<void> {
      const deliveries = { localConcurrency: DELIVERY_WORKERS, batchSize: DELIVERIES_AT_ONCE }
      await jobs.work<DeliveryJob>(WEBHOOK_QUEUE, (job) => delivery.deliver(job), deliveries)
      await jobs.work<{ importId: string }>(IMPORT_QUEUE, (job) => services.importJobs.run(job.data.importId))
    },
  }

  return {
    repositories: repos,
    services,
    workers,
    /** Releases what the container holds (the delivery's HTTP connections); after the job engine has stopped. */
    close: async () => { await Promise.all([delivery.close(), matchIndex.close()]) },
  }
}

export type Container = ReturnType<typeof createContainer>
export type Services = Container['services']

/**
 * Migrates the database (src/db/client.ts) and, under the same lock, installs or upgrades the job engine's tables and
 * declared queues (src/jobs/index.ts): what `claimtrack migrate`, a start-up with MIGRATE_ON_START and the tests run.
 */
export async function migrate (database: Database): Promise<void> {
  await database.migrate(() => migrateJobStore(database))
}
