// Read replicas (DATABASE_READ_URL): a request that only reads runs in a scope that lets its plain SELECTs go to the
// replica (src/db/routing.ts), unless its caller wrote something the replica has not replayed yet: then it reads
// from the primary, and sees its own writes. Every write by an API key notes where the primary's WAL stood after it
// (on the key's row, which authentication reads anyway), so that any process can tell.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { lsnValue, readRouting } from '../db/routing.ts'

const READ_METHODS = new Set(['GET', 'HEAD'])
/** How long a replica position read from the replica is trusted before it is asked again. */
const REPLAY_CACHE_MS = 100

async function readRoutingPlugin (app: FastifyInstance) {
  const { database } = app
  if (!database.hasReplica) return

  // The replica's replay position only moves forward: a cached one is a lower bound, so trusting it is safe.
  let replayed = 0n
  let askedAt = 0
  async function replicaHasReplayed (lsn: string): Promise<boolean> {
    const wanted = lsnValue(lsn)
    if (replayed >= wanted) return true
    if (Date.now() - askedAt < REPLAY_CACHE_MS) return false
    askedAt = Date.now()
    const now = await database.replayedLsn()
    if (now !== null) replayed = lsnValue(now) > replayed ? lsnValue(now) : replayed
    return replayed >= wanted
  }

  async function mayUseReplica (request: FastifyRequest): Promise<boolean> {
    if (!READ_METHODS.has(request.method)) return false
    const { principal } = request
    if (principal?.kind !== 'key' || principal.lastWriteLsn === null) return true
    try {
      return await replicaHasReplayed(principal.lastWriteLsn)
    } catch (err) {
      request.log.warn({ err }, 'the replica did not say how far it has replayed; reading from the primary')
      return false
    }
  }

  // After authentication (registered after the auth plugin): the principal is known.
  app.addHook('onRequest', (request, _reply, done) => {
    mayUseReplica(request).then(
      (replica) => readRouting.run({ replica }, done),
      (err: unknown) => done(err as Error)
    )
  })

  app.addHook('onSend', async (request, reply, payload) => {
    const { principal } = request
    if (principal?.kind === 'key' && !READ_METHODS.has(request.method) && reply.statusCode < 400) {
      try {
        await app.services.organizations.noteWrite(principal.keyId)
      } catch (err) {
        // The write is done; the key's next reads may see a replica without it, for as long as the replica lags.
        request.log.warn({ err }, 'noting the position of a write for read-your-writes failed')
      }
    }
    return payload
  })
}

export default fp(readRoutingPlugin, { name: 'read-routing', dependencies: ['database', 'services', 'auth'] })
