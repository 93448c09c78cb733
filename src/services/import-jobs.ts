// Imports sent over HTTP: the request is stored and a job queued in one transaction; the job runs the same import
// core as `claimtrack import` and records the counts and the rejected records with their reasons.
import { Readable } from 'node:stream'
import type { Db } from '../db/client.ts'
import type { ImportRow } from '../db/schema.ts'
import { NotFoundError } from '../domain/errors.ts'
import type { Jobs } from '../jobs/index.ts'
import { IMPORT_QUEUE } from '../jobs/queues.ts'
import type { ImportsRepository } from '../repositories/imports.ts'
import type { WriteContext } from './history.ts'
import { readRecords, type ImportFormat } from './import-formats.ts'
import { ImportError, type ImportService } from './import.ts'

export function createImportJobsService (db: Db, repo: ImportsRepository, jobs: Pick<Jobs, 'send'>, importer: ImportService) {
  return {
    /** Stores the import and queues its job; both commit together. */
    async submit (request: { format: ImportFormat, scale: string, data: string } & ImportRow['options'], ctx: WriteContext): Promise<ImportRow> {
      return db.transaction(async (tx) => {
        const { columns, map, scaleColumn } = request
        const options = {
          ...(columns && { columns }),
          ...(map && { map }),
          ...(scaleColumn !== undefined && { scaleColumn }),
        }
        const row = await repo.insert(
          {
            organizationId: ctx.organizationId,
            format: request.format,
            scale: request.scale,
            input: request.data,
            keyId: ctx.actorKeyId,
            options,
          },
          tx
        )
        // Retries and expiry are the queue's (src/jobs/queues.ts).
        await jobs.send(IMPORT_QUEUE, { importId: row.id }, { tx })
        return row
      })
    },

    /** An import of the caller's organisation; another organisation's is not found. */
    async get (organizationId: string, id: string): Promise<ImportRow> {
      const row = await repo.findById(organizationId, id)
      if (!row) throw new NotFoundError('Import', id)
      return row
    },

    /**
     * The job: imports the stored records. A retry after a crash runs it again from the start, which the import's
     * idempotency makes safe (what the first attempt wrote is then counted unchanged).
     */
    async run (importId: string): Promise<void> {
      const row = await repo.start(importId)
      if (!row) return
      const { columns, map, scaleColumn } = row.options
      const results = importer.importRecords(
        readRecords(Readable.from([row.input]), row.format as ImportFormat, { columns: columns ?? {} }),
        {
          organizationId: row.organizationId,
          scale: row.scale,
          map: map ?? {},
          ...(scaleColumn !== undefined && { scaleColumn }),
          actorKeyId: row.keyId,
          requestId: `import:${row.id}`,
        }
      )
      const rejects: ImportRow['rejects'] = []
      try {
        for (;;) {
          const next = await results.next()
          if (next.done) {
            await repo.finish(importId, { status: 'succeeded', ...next.value, rejects })
            return
          }
          const { line, key, outcome, reason } = next.value
          if (outcome === 'rejected') rejects.push({ line, key, reason: reason ?? 'rejected' })
        }
      } catch (error) {
        // An import that cannot run at all (no such scale, a document that is not JSON) fails for good; anything
        // else (the database gone) is thrown, and the job retried.
        if (!(error instanceof ImportError)) throw error
        await repo.finish(importId, { status: 'failed', error: error.message, rejects })
      }
    },
  }
}

export type ImportJobsService = ReturnType<typeof createImportJobsService>
