// Helpers shared by the Idempotency-Key tests (test/plugins/idempotency*.test.ts): a keyed POST, the replay check, and
// counting what a retry must not make twice.
import { count, eq } from 'drizzle-orm'
import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import type { Test } from 'tap'
import { claims } from '../../src/db/schema.ts'

/** How many claims have this text: a retry that made its claim again shows here. */
export const claimsWithText = async (app: FastifyInstance, text: string) =>
  (await app.db.select({ n: count() }).from(claims).where(eq(claims.text, text)))[0]?.n

/** POST /v1/claims with an Idempotency-Key. */
export const postWithKey = (
  app: FastifyInstance,
  key: string,
  payload: Record<string, unknown>,
  headers: Record<string, unknown> = {}
) => app.inject({ method: 'POST', url: '/v1/claims', headers: { 'idempotency-key': key, ...headers }, payload })

/** The retry answers exactly what the first request did, and says it is a replay (under a request id of its own). */
export function isReplayOf (t: Test, retry: LightMyRequestResponse, first: LightMyRequestResponse) {
  t.equal(retry.statusCode, first.statusCode, 'same status')
  t.equal(retry.body, first.body, 'same body, byte for byte')
  for (const name of ['content-type', 'location', 'etag']) t.equal(retry.headers[name], first.headers[name], `same ${name}`)
  t.equal(retry.headers['idempotent-replayed'], 'true', 'marked as replayed')
  t.not(retry.headers['x-request-id'], first.headers['x-request-id'], 'a request id of its own')
}
