// The embedded database's thread: PGlite runs here, off the thread that answers HTTP, and carries out the statements
// src/db/pglite.ts sends it over the worker's message port, one at a time, inside a transaction when told to.
import { parentPort, workerData } from 'node:worker_threads'
import { PGlite, type Results, type Transaction } from '@electric-sql/pglite'
import { pg_trgm as pgTrgm } from '@electric-sql/pglite/contrib/pg_trgm'
import { unaccent } from '@electric-sql/pglite/contrib/unaccent'
import type { PgliteRequest, PgliteReply, PgliteWorkerData, SerializedError } from './pglite-connection.ts'

const port = parentPort
if (port === null) throw new Error('src/db/pglite-worker.ts runs as a worker thread (src/db/pglite.ts starts it)')
const data = workerData as PgliteWorkerData

/** A parser per type that hands the value on as Postgres wrote it; the caller's own parser runs on the main thread. */
const verbatim = (types: number[]) => Object.fromEntries(types.map((type) => [type, (value: string) => value]))

/** What a Postgres error says, as plain data: its SQLSTATE `code`, `constraint`, `detail` and the like. */
function serialize (error: unknown): SerializedError {
  if (!(error instanceof Error)) return { message: String(error) }
  const fields: SerializedError = { message: error.message, name: error.name }
  for (const [key, value] of Object.entries(error)) {
    if (typeof value === 'string' || typeof value === 'number') fields[key] = value
  }
  return fields
}

async function main (parent: NonNullable<typeof parentPort>) {
  // The extensions the migrations create (full-text search and trigram matching); Postgres servers ship them too.
  const pg = await PGlite.create({
    dataDir: data.dataDir,
    extensions: { unaccent, pg_trgm: pgTrgm },
    ...(data.loadDataDir && { loadDataDir: data.loadDataDir }),
    ...(data.wasmModule && { pgliteWasmModule: data.wasmModule }),
    ...(data.fsBundle && { fsBundle: data.fsBundle }),
    ...(data.sharedBuffers !== undefined && { startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${data.sharedBuffers}`] }),
  })

  // The open transaction, if any: statements marked `tx` run in it; commit or rollback ends it.
  let open: { tx: Transaction; end: (commit: boolean) => void; done: Promise<unknown> } | undefined

  /**
   * The body of an open transaction: it returns once commit or rollback ends it; PGlite then sends COMMIT or ROLLBACK.
   */
  function held (tx: Transaction, done: Promise<unknown>, opened: () => void): Promise<void> {
    return new Promise((resolve, reject) => {
      open = {
        tx,
        done,
        end: (commit) => {
          if (commit) resolve()
          else reject(new Error('rolled back'))
        },
      }
      opened()
    })
  }

  function begin (): Promise<void> {
    return new Promise((resolve, reject) => {
      const done: Promise<unknown> = pg.transaction((tx) => held(tx, done, resolve))
      // A transaction that never opened (BEGIN failed) is reported to the caller of begin.
      done.catch(reject)
    })
  }

  async function end (commit: boolean) {
    const current = open
    if (current === undefined) throw new Error('no transaction is open')
    open = undefined
    current.end(commit)
    try {
      await current.done
    } catch (error) {
      if (commit) throw error
    }
  }

  async function run (request: PgliteRequest): Promise<unknown> {
    switch (request.op) {
      case 'query': {
        const executor = request.tx ? open?.tx : pg
        if (executor === undefined) throw new Error('no transaction is open')
        const result: Results = await executor.query(request.sql, request.params, {
          rowMode: request.rowMode,
          parsers: verbatim(request.verbatim),
        })
        return { rows: result.rows, fields: result.fields, affectedRows: result.affectedRows }
      }
      case 'exec': {
        const executor = request.tx ? open?.tx : pg
        if (executor === undefined) throw new Error('no transaction is open')
        const results: Results[] = await executor.exec(request.sql)
        return results.map((r) => ({ rows: r.rows, fields: r.fields, affectedRows: r.affectedRows }))
      }
      case 'begin':
        return begin()
      case 'commit':
        return end(true)
      case 'rollback':
        return end(false)
      case 'dump': {
        const dump = await pg.dumpDataDir('none')
        return await dump.arrayBuffer()
      }
      case 'close':
        if (!pg.closed) await pg.close()
        return null
    }
  }

  parent.on('message', (request: PgliteRequest) => {
    run(request).then(
      (result) => {
        const reply: PgliteReply = { id: request.id, ok: true, result }
        parent.postMessage(reply, result instanceof ArrayBuffer ? [result] : [])
        if (request.op === 'close') parent.close()
      },
      (error: unknown) => {
        const reply: PgliteReply = { id: request.id, ok: false, error: serialize(error) }
        parent.postMessage(reply)
      }
    )
  })
  parent.postMessage({ ready: true })
}

await main(port)
