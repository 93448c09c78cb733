// API contracts for organisations, their API keys (never the hash; the secret only once, at creation) and their
// audit log.
import { z } from 'zod'
import { apiKeyRoles, auditOutcomes } from '../domain/enums.ts'
import type { ApiKeyRecord, AuditEventRecord, OrganizationRecord } from '../domain/types.ts'
import { HttpUrl, IdSchema, Text, Timestamp, toIso, toIsoOrNull } from './common.ts'
import { Slug } from './claimants.ts'

export const OrganizationSchema = z.object({
  id: IdSchema,
  slug: z.string(),
  name: z.string(),
  url: z.string().nullable().describe('The outlet\'s site: the author of its ClaimReviews and Google\'s `publisher.site`.'),
  version: z.int(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
}).meta({ id: 'Organization', description: 'A newsroom or fact-checking outlet. Organisations are created by the operator (`npm run keys`).' })

export const OrganizationParams = z.object({ slug: Slug })

export const UpdateOrganizationBody = z.strictObject({
  name: Text(200),
  url: HttpUrl.nullable(),
}).partial()
  .refine((body) => Object.keys(body).length > 0, 'must change at least one field')
  .meta({ id: 'UpdateOrganization' })

export const Role = z.enum(apiKeyRoles).describe([
  'What a key may do: `reader` reads its organisation\'s private data;',
  '`editor` also writes claims, claimants, appearances and evidence;',
  '`reviewer` also drafts, publishes and retracts reviews;',
  '`admin` also manages keys, rating scales and the organisation, and reads the audit log;',
  '`partner` reads only published data and feeds, with a higher rate limit.',
].join(' '))

export const ApiKeySchema = z.object({
  id: IdSchema,
  name: z.string(),
  role: Role,
  prefix: z.string().describe('The first characters of the key, to tell keys apart; the key itself is never shown again.'),
  createdAt: Timestamp,
  lastUsedAt: Timestamp.nullable().describe('When the key was last used, to the minute.'),
  revokedAt: Timestamp.nullable(),
}).meta({ id: 'ApiKey' })

export const CreatedApiKeySchema = ApiKeySchema.extend({
  key: z.string().describe('The secret: `ct_<random>_<checksum>`. Shown only in this response; store it now.'),
}).meta({ id: 'CreatedApiKey' })

export const CreateApiKeyBody = z.strictObject({
  name: Text(100).describe('What the key is for, e.g. `CMS integration`.'),
  role: Role,
}).meta({ id: 'CreateApiKey' })

export const AuditEventSchema = z.object({
  seq: z.int(),
  at: Timestamp,
  key: z.object({ id: IdSchema, name: z.string(), role: Role }),
  method: z.string(),
  path: z.string(),
  operationId: z.string().nullable(),
  status: z.int(),
  outcome: z.enum(auditOutcomes).describe('`denied` when the key\'s role or the object\'s owner forbade it (401, 403), `failed` for other errors.'),
  requestId: z.string().nullable(),
  ip: z.string().nullable(),
}).meta({ id: 'AuditEvent' })

export const toOrganization = (row: OrganizationRecord): z.output<typeof OrganizationSchema> => ({
  id: row.id,
  slug: row.slug,
  name: row.name,
  url: row.url,
  version: row.version,
  createdAt: toIso(row.createdAt),
  updatedAt: toIso(row.updatedAt),
})

export const toApiKey = (row: ApiKeyRecord): z.output<typeof ApiKeySchema> => ({
  id: row.id,
  name: row.name,
  role: row.role,
  prefix: row.prefix,
  createdAt: toIso(row.createdAt),
  lastUsedAt: toIsoOrNull(row.lastUsedAt),
  revokedAt: toIsoOrNull(row.revokedAt),
})

export const toAuditEvent = (row: AuditEventRecord): z.output<typeof AuditEventSchema> => ({
  seq: row.seq,
  at: toIso(row.at),
  key: { id: row.keyId, name: row.keyName, role: row.role },
  method: row.method,
  path: row.path,
  operationId: row.operationId,
  status: row.status,
  outcome: row.outcome,
  requestId: row.requestId,
  ip: row.ip,
})
