// Organisations, their API keys and their audit log: creating the first key, authenticating each request by its
// key's hash, revoking keys (effective on the next request) and recording what keys did.
import type { Db } from '../db/client.ts'
import type { ApiKeyRow, AuditEventRow, OrganizationRow } from '../db/schema.ts'
import { ConflictError, ForbiddenError, NotFoundError, UnauthenticatedError } from '../domain/errors.ts'
import type { KeyPrincipal, Principal, Role } from '../domain/access.ts'
import { generateApiKey, hashApiKey, isWellFormedApiKey } from '../lib/api-keys.ts'
import type { Cursors } from '../lib/tokens/cursor.ts'
import { assertIfMatch, versionEtag, type EtagCondition } from '../lib/tokens/etag.ts'
import type { NewAuditEvent, OrganizationsRepository } from '../repositories/organizations.ts'
import type { Page } from './types.ts'

/** Said of an unknown key and of a revoked one alike: a caller cannot tell a key that once worked. */
const UNKNOWN_KEY = 'The API key is not known.'

/** A revoked key, refused as an unknown one but carrying the key, so that its use is audited for its organisation. */
export class RevokedKeyError extends UnauthenticatedError {
  readonly key: ApiKeyRow
  constructor (key: ApiKeyRow) {
    super(UNKNOWN_KEY)
    this.key = key
  }
}

export function createOrganizationsService (db: Db, organizations: OrganizationsRepository, cursors: Cursors) {
  async function requireBySlug (slug: string): Promise<OrganizationRow> {
    const row = await organizations.findBySlug(slug)
    if (!row) throw new NotFoundError('Organization', slug)
    return row
  }

  return {
    /** For operators (the `keys` command): an organisation, made when it does not exist yet. */
    async ensure (values: {
      slug: string
      name?: string | undefined
      url?: string | null | undefined
    }): Promise<{ organization: OrganizationRow; created: boolean }> {
      return db.transaction(async (tx) => {
        const existing = await organizations.findBySlug(values.slug, tx)
        if (existing) return { organization: existing, created: false }
        // Two callers may ensure the same organisation at once: the second one finds the first one's.
        const organization = await organizations.insertIfAbsent(
          { slug: values.slug, name: values.name ?? values.slug, url: values.url ?? null },
          tx
        )
        if (organization) return { organization, created: true }
        const concurrent = await organizations.findBySlug(values.slug, tx)
        if (!concurrent) throw new Error(`organization ${values.slug} neither inserted nor found`)
        return { organization: concurrent, created: false }
      })
    },

    get: requireBySlug,

    async list (request: { limit: number; cursor?: string | undefined }): Promise<Page<OrganizationRow>> {
      const { rows, nextAfterId } = await organizations.list({
        limit: request.limit,
        afterId: cursors.id.decode(request.cursor, 'organizations'),
      })
      return { data: rows, nextCursor: cursors.id.encode(nextAfterId, 'organizations') }
    },

    /** An admin changes its own organisation; another organisation's is not theirs to change. */
    async update (
      slug: string,
      patch: { name?: string | undefined; url?: string | null | undefined },
      ifMatch: EtagCondition | undefined,
      principal: KeyPrincipal
    ): Promise<OrganizationRow> {
      return db.transaction(async (tx) => {
        const current = await organizations.lockBySlug(slug, tx)
        if (!current) throw new NotFoundError('Organization', slug)
        if (current.id !== principal.organizationId) throw new ForbiddenError(`Only an admin of ${slug} may change it.`)
        assertIfMatch(ifMatch, versionEtag(current.version))
        const after = await organizations.update(current.id, patch, tx)
        if (!after) throw new NotFoundError('Organization', slug)
        return after
      })
    },

    /** A new key: the row, and the secret, which is never stored and cannot be shown again. */
    async createKey (
      organizationId: string,
      values: { name: string; role: Role },
      createdByKeyId: string | null
    ): Promise<{ row: ApiKeyRow; key: string }> {
      const { key, prefix, hash } = generateApiKey()
      const row = await organizations.insertKey({
        organizationId,
        name: values.name,
        role: values.role,
        prefix,
        keyHash: hash,
        createdByKeyId,
      })
      return { row, key }
    },

    async listKeys (
      organizationId: string,
      request: { limit: number; cursor?: string | undefined }
    ): Promise<Page<ApiKeyRow>> {
      const scope = `api-keys:${organizationId}`
      const { rows, nextAfterId } = await organizations.listKeys(organizationId, {
        limit: request.limit,
        afterId: cursors.id.decode(request.cursor, scope),
      })
      return { data: rows, nextCursor: cursors.id.encode(nextAfterId, scope) }
    },

    async getKey (organizationId: string, id: string): Promise<ApiKeyRow> {
      const row = await organizations.findKey(organizationId, id)
      if (!row) throw new NotFoundError('API key', id)
      return row
    },

    async revokeKey (organizationId: string, id: string): Promise<ApiKeyRow> {
      const row = await organizations.revokeKey(organizationId, id)
      if (row) return row
      const existing = await organizations.findKey(organizationId, id)
      if (!existing) throw new NotFoundError('API key', id)
      throw new ConflictError(`API key ${id} was already revoked.`)
    },

    /**
     * The principal an API key stands for (the auth plugin reads it from the request). No key is anonymous; anything
     * else that is not a live key is an UnauthenticatedError: a malformed key (told by its checksum, before any
     * database work), an unknown key or a revoked one (RevokedKeyError, with the same detail as an unknown one).
     */
    async authenticate (token: string | undefined): Promise<Principal> {
      if (token === undefined) return { kind: 'anonymous' }
      if (!isWellFormedApiKey(token)) {
        throw new UnauthenticatedError(
          'That is not a Claimtrack API key (`ct_…`), or it was mistyped: its checksum does not match.'
        )
      }
      const found = await organizations.findKeyByHash(hashApiKey(token))
      if (!found) throw new UnauthenticatedError(UNKNOWN_KEY)
      if (found.key.revokedAt !== null) throw new RevokedKeyError(found.key)
      const { key, organizationSlug } = found
      await organizations.noteUse(key)
      return {
        kind: 'key',
        keyId: key.id,
        keyName: key.name,
        role: key.role,
        organizationId: key.organizationId,
        organizationSlug,
        lastWriteLsn: key.lastWriteLsn,
      }
    },

    /**
     * After a write by the key: where the primary's WAL stands, so that the key's reads wait for a replica to get
     * there.
     */
    async noteWrite (keyId: string): Promise<void> {
      await organizations.noteWrite(keyId)
    },

    async recordAudit (event: NewAuditEvent): Promise<void> {
      await organizations.insertAuditEvent(event)
    },

    async listAudit (
      organizationId: string,
      request: { limit: number; cursor?: string | undefined }
    ): Promise<Page<AuditEventRow>> {
      const scope = `audit:${organizationId}`
      const { rows, nextAfterId } = await organizations.listAuditEvents(organizationId, {
        limit: request.limit,
        afterSeq: cursors.seq.decode(request.cursor, scope),
      })
      return { data: rows, nextCursor: cursors.seq.encode(nextAfterId, scope) }
    },
  }
}

export type OrganizationsService = ReturnType<typeof createOrganizationsService>
