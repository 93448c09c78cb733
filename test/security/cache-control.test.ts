// Shared caches (CDNs, proxies) never keep an answer for one caller and hand it to another: every GET operation of the
// committed OpenAPI document, asked by nobody, by the owner's keys, by a partner and by another organisation, either
// says `no-store`, or carries `Vary: Authorization`, or is the same answer whoever asks.
import { readFileSync } from 'node:fs'
import type { LightMyRequestResponse } from 'fastify'
import t from 'tap'
import { canonicalizeUrl } from '../../src/lib/url-canonical.ts'
import { hashPrefix, urlHash } from '../../src/lib/url-hash.ts'
import { anonymous, bearer } from '../helper.ts'
import { buildSecure, seedWorld, type World } from './fixtures.ts'

const document = JSON.parse(readFileSync(new URL('../../openapi/openapi.json', import.meta.url), 'utf8')) as { paths: Record<string, { get?: unknown }> }
const APPEARANCE = 'https://shown.example.org/said'

/** The URLs each GET operation is asked at: every kind of object, private and public, the world holds. */
function urlsOf (path: string, w: World, importId: string): string[] | undefined {
  const claims = [w.privateClaim, w.publicClaim]
  const perClaim = (suffix: (c: World['privateClaim'] & { draftReviewId?: string }) => string[]) => claims.flatMap((c) => suffix(c))
  const prefix = hashPrefix(urlHash(canonicalizeUrl(APPEARANCE) ?? ''))
  const table: Record<string, () => string[]> = {
    '/healthz': () => ['/healthz'],
    '/readyz': () => ['/readyz'],
    '/embed.js': () => ['/embed.js'],
    '/v1/claimants': () => ['/v1/claimants'],
    '/v1/claimants/{id}': () => [`/v1/claimants/${w.claimantId}`],
    '/v1/claims': () => ['/v1/claims', '/v1/claims?q=bananas', '/v1/claims?status=new'],
    '/v1/claims/{id}': () => perClaim((c) => [`/v1/claims/${c.id}`]),
    '/v1/claims/{id}/badge.svg': () => perClaim((c) => [`/v1/claims/${c.id}/badge.svg`]),
    '/v1/claims/{claimId}/appearances': () => perClaim((c) => [`/v1/claims/${c.id}/appearances`]),
    '/v1/claims/{claimId}/appearances/{id}': () => perClaim((c) => [`/v1/claims/${c.id}/appearances/${c.appearanceId}`]),
    '/v1/claims/{claimId}/evidence': () => perClaim((c) => [`/v1/claims/${c.id}/evidence`]),
    '/v1/claims/{claimId}/evidence/{id}': () => perClaim((c) => [`/v1/claims/${c.id}/evidence/${c.evidenceId}`]),
    '/v1/claims/{claimId}/reviews': () => perClaim((c) => [`/v1/claims/${c.id}/reviews`]),
    '/v1/claims/{claimId}/reviews/{id}': () => [...perClaim((c) => [`/v1/claims/${c.id}/reviews/${c.reviewId}`]), `/v1/claims/${w.publicClaim.id}/reviews/${w.publicClaim.draftReviewId}`],
    '/v1/claims/{id}/history': () => perClaim((c) => [`/v1/claims/${c.id}/history`]),
    '/v1/rating-scales': () => ['/v1/rating-scales'],
    '/v1/rating-scales/{id}': () => [`/v1/rating-scales/${w.scaleId}`],
    '/v1/claims/{id}/claimreview': () => perClaim((c) => [`/v1/claims/${c.id}/claimreview`]),
    '/v1/claimreview': () => ['/v1/claimreview'],
    '/v1/lookup': () => [`/v1/lookup?url=${encodeURIComponent(APPEARANCE)}`],
    '/v1/lookup/prefixes/{prefix}': () => [`/v1/lookup/prefixes/${prefix}`],
    '/v1/lookup/prefix-list': () => ['/v1/lookup/prefix-list'],
    '/v1/changes': () => ['/v1/changes'],
    '/v1/organizations': () => ['/v1/organizations'],
    '/v1/organizations/{slug}': () => ['/v1/organizations/newsroom'],
    '/v1/api-keys': () => ['/v1/api-keys'],
    '/v1/api-keys/{id}': () => [`/v1/api-keys/${w.keyId}`],
    '/v1/audit': () => ['/v1/audit'],
    '/v1/webhooks': () => ['/v1/webhooks'],
    '/v1/webhooks/{id}': () => [`/v1/webhooks/${w.webhookId}`],
    '/v1/webhooks/{id}/deliveries': () => [`/v1/webhooks/${w.webhookId}/deliveries`],
    '/v1/imports/{id}': () => [`/v1/imports/${importId}`],
    '/v1alpha1/claims:search': () => ['/v1alpha1/claims:search?query=unemployment'],
  }
  return table[path]?.()
}

const protectedFromSharing = (res: LightMyRequestResponse) =>
  /\bno-store\b/.test(String(res.headers['cache-control'] ?? '')) ||
  String(res.headers.vary ?? '').split(',').some((v) => v.trim().toLowerCase() === 'authorization')

t.test('every GET answer that depends on the API key is no-store or varies by Authorization', async (t) => {
  const app = await buildSecure(t)
  const w = await seedWorld(app)
  const submitted = await app.inject({ method: 'POST', url: '/v1/imports', payload: { format: 'jsonl', data: '{"id": "x-1", "text": "Imported."}' } })
  t.equal(submitted.statusCode, 202, 'an import to read back')
  const importId: string = submitted.json().id
  const callers: Record<string, Record<string, string | undefined>> = {
    anonymous,
    'owner admin': bearer(w.own.admin),
    'owner reader': bearer(w.own.reader),
    'rival partner': bearer(w.rival.partner),
    'rival admin': bearer(w.rival.admin),
  }

  const operations = Object.entries(document.paths).filter(([, item]) => item.get !== undefined).map(([path]) => path)
  t.ok(operations.length >= 30, `the document lists the GET operations (${operations.length})`)
  for (const path of operations) {
    const urls = urlsOf(path, w, importId)
    if (urls === undefined) {
      t.fail(`GET ${path}: add it to the table of this test`)
      continue
    }
    for (const url of urls) {
      const answers: Array<[string, LightMyRequestResponse]> = []
      for (const [who, headers] of Object.entries(callers)) answers.push([who, await app.inject({ method: 'GET', url, headers })])
      const distinct = new Set(answers.map(([, res]) => `${res.statusCode} ${res.body}`))
      const shared = answers.filter(([, res]) => !protectedFromSharing(res))
      // An answer a cache may share must be the one everybody gets.
      const why = shared.length === 0
        ? 'every answer is no-store or varies by Authorization'
        : distinct.size === 1
          ? 'a cache may share it: it is the same answer whoever asks'
          : `answers differ by caller, yet ${shared.map(([who, res]) => `${who}'s ${res.statusCode} (Cache-Control: ${res.headers['cache-control'] ?? 'none'}, Vary: ${res.headers.vary ?? 'none'})`).join(', ')} may be shared`
      t.ok(shared.length === 0 || distinct.size === 1, `GET ${url}: ${why}`)
      const [owner] = answers.filter(([who]) => who === 'owner admin').map(([, res]) => res)
      if (owner !== undefined && owner.statusCode === 200 && distinct.size > 1) {
        t.ok(protectedFromSharing(owner), `GET ${url}: the owner's answer says private, no-store or Vary: Authorization`)
      }
    }
  }
})
