// Organisations, their API keys and their audit log: creating the first key, authenticating each request by its
// key's hash, revoking keys (effective on the next request) and recording what keys did.
import type { Db } from '../db/client.ts'
import type { ApiKeyRow, AuditEventRow, OrganizationRow } from '../db/schema.ts'
import { conflict, forbidden, notFound, ProblemError, unauthorized } from '../errors.ts'
import { generateApiKey, hashApiKey, isWellFormedApiKey, type KeyPrincipal, type Principal, type Role } from '../lib/access.ts'
import type { Cursors } from '../lib/cursor.ts'
import { assertIfMatch, versionEtag, type EtagCondition } from '../lib/etag.ts'
import type { NewAuditEvent, OrganizationsRepository } from '../repositories/organizations.ts'
import type { Page } from './types.ts'

/** Said of an unknown key and of a revoked one alike: a caller cannot tell a key that once worked. */
const UNKNOWN_KEY = 'The API key is not known.'

/** The 401 for a revoked key, carrying the key, so that its use is audited for its organisation. */
export class RevokedKeyError extends ProblemError {
  readonly key: ApiKeyRow
  constructor (key: ApiKeyRow) {
    const refusal = unauthorized(UNKNOWN_KEY)
    super({ status: refusal.status, code: refusal.code, title: refusal.title, detail: refusal.message, headers: refusal.headers })
    this.key = key
  }
}

export function createOrganizationsService (db: Db, organizations: OrganizationsRepository, cursors: Cursors) {
  async function requireBySlug (slug: string): Promise<OrganizationRow> {
    const row = await organizations.findBySlug(slug)
    if (!row) throw notFound('Organization', slug)
    return row
  }

  return {
    /** For operators (the `keys` command): an organisation, made when it does not exist yet. */
    async ensure (values: { slug: string, name?: string | undefined, url?: string | null | undefined }): Promise<{ organization: OrganizationRow, created: boolean }> {
      return db.transaction(async (tx) => {
        const existing = await organizations.findBySlug(values.slug, tx)
        if (existing) return { organization: existing, created: false }
        // Two callers may ensure the same organisation at once: the second one finds the first one's.
        const organization = await organizations.insertIfAbsent({ slug: values.slug, name: values.name ?? values.slug, url: values.url ?? null }, tx)
        if (organization) return { organization, created: true }
        const concurrent = await organizations.findBySlug(values.slug, tx)
        if (!concurrent) throw new Error(`organization ${values.slug} neither inserted nor found`)
        return { organization: concurrent, created: false }
      })
    },

    get: requireBySlug,

    async list (request: { limit: number, cursor?: string | undefined }): Promise<Page<OrganizationRow>> {
      const { rows, nextAfterId } = await organizations.list({ limit: request.limit, afterId: cursors.id.decode(request.cursor, 'organizations') })
      return { data: rows, nextCursor: cursors.id.encode(nextAfterId, 'organizations') }
    },

    /** An admin changes its own organisation; another organisation's is not theirs to change. */
    async update (slug: string, patch: { name?: string | undefined, url?: string | null | undefined }, ifMatch: EtagCondition | undefined, principal: KeyPrincipal): Promise<OrganizationRow> {
      return db.transaction(async (tx) => {
        const current = await organizations.lockBySlug(slug, tx)
        if (!current) throw notFound('Organization', slug)
        if (current.id !== principal.organizationId) throw forbidden(`Only an admin of ${slug} may change it.`)
        assertIfMatch(ifMatch, versionEtag(current.version))
        const after = await organizations.update(current.id, patch, tx)
        if (!after) throw notFound('Organization', slug)
        return after
      })
    },

    /** A new key: the row, and the secret, which is never stored and cannot be shown again. */
    async createKey (organizationId: string, values: { name: string, role: Role }, createdByKeyId: string | null): Promise<{ row: ApiKeyRow, key: string }> {
      const { key, prefix, hash } = generateApiKey()
      const row = await organizations.insertKey({ organizationId, name: values.name, role: values.role, prefix, keyHash: hash, createdByKeyId })
      return { row, key }
    },

    async listKeys (organizationId: string, request: { limit: number, cursor?: string | undefined }): Promise<Page<ApiKeyRow>> {
      const scope = `api-keys:${organizationId}`
      const { rows, nextAfterId } = await organizations.listKeys(organizationId, { limit: request.limit, afterId: cursors.id.decode(request.cursor, scope) })
      return { data: rows, nextCursor: cursors.id.encode(nextAfterId, scope) }
    },

    async getKey (organizationId: string, id: string): Promise<ApiKeyRow> {
      const row = await organizations.findKey(organizationId, id)
      if (!row) throw notFound('API key', id)
      return row
    },

    async revokeKey (organizationId: string, id: string): Promise<ApiKeyRow> {
      const row = await organizations.revokeKey(organizationId, id)
      if (row) return row
      const existing = await organizations.findKey(organizationId, id)
      if (!existing) throw notFound('API key', id)
      throw conflict(`API key ${id} was already revoked.`)
    },

    /**
     * The principal an `Authorization` header stands for. No header is anonymous; anything else that is not a live
     * key is a 401: a malformed header or key (told by its checksum, before any database work), an unknown key or
     * a revoked one (RevokedKeyError, with the same detail as an unknown one).
     */
    async authenticate (authorization: string | undefined): Promise<Principal> {
      if (authorization === undefined) return { kind: 'anonymous' }
      const match = /^Bearer[ ]+(\S+)[ ]*$/i.exec(authorization)
      if (!match?.[1]) throw unauthorized('The Authorization header must be `Bearer <API key>`.')
      const token = match[1]
      if (!isWellFormedApiKey(token)) throw unauthorized('That is not a Claimtrack API key (`ct_…`), or it was mistyped: its checksum does not match.')
      const found = await organizations.findKeyByHash(hashApiKey(token))
      if (!found) throw unauthorized(UNKNOWN_KEY)
      if (found.key.revokedAt !== null) throw new RevokedKeyError(found.key)
      const { key, organizationSlug } = found
      await organizations.noteUse(key)
      return { kind: 'key', keyId: key.id, keyName: key.name, role: key.role, organizationId: key.organizationId, organizationSlug, lastWriteLsn: key.lastWriteLsn }
    },

    /** After a write by the key: where the primary's WAL stands, so that the key's reads wait for a replica to get there. */
    async noteWrite (keyId: string): Promise<void> {
      await organizations.noteWrite(keyId)
    },

    async recordAudit (event: NewAuditEvent): Promise<void> {
      await organizations.insertAuditEvent(event)
    },

    async listAudit (organizationId: string, request: { limit: number, cursor?: string | undefined }): Promise<Page<AuditEventRow>> {
      const scope = `audit:${organizationId}`
      const { rows, nextAfterId } = await organizations.listAuditEvents(organizationId, { limit: request.limit, afterSeq: cursors.seq.decode(request.cursor, scope) })
      return { data: rows, nextCursor: cursors.seq.encode(nextAfterId, scope) }
    },
  }
}

export type OrganizationsService = ReturnType<typeof createOrganizationsService>
