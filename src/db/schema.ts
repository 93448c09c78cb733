// Drizzle tables and enums, one module per aggregate in src/db/schema/ (drizzle-kit reads them through this file,
// drizzle.config.ts): organisations and their API keys, claimants, claims and what hangs off a claim, reviews, the
// revision history, imports, webhooks, and the shared state of API processes (audit, rate-limit counters, idempotency
// records). The row types, checked against the domain's records, are here.
import { getTableColumns } from 'drizzle-orm'
import type * as domain from '../domain/types.ts'
import { auditEvents } from './schema/api-state.ts'
import { appearances, claimants, claims, evidence } from './schema/claims.ts'
import { imports } from './schema/imports.ts'
import { apiKeys, organizations } from './schema/organizations.ts'
import { ratingScales, reviews, revisions } from './schema/reviews.ts'
import { webhookDeliveries, webhooks } from './schema/webhooks.ts'

export * from './schema/columns.ts'
export * from './schema/organizations.ts'
export * from './schema/claims.ts'
export * from './schema/reviews.ts'
export * from './schema/imports.ts'
export * from './schema/api-state.ts'
export * from './schema/webhooks.ts'

export type OrganizationRow = typeof organizations.$inferSelect
export type ApiKeyRow = typeof apiKeys.$inferSelect
export type AuditEventRow = typeof auditEvents.$inferSelect
export type ClaimantRow = typeof claimants.$inferSelect
/** Every claim column but the search document, which is the database's business alone. */
export const { searchVector: _searchVector, ...claimColumns } = getTableColumns(claims)
export type ClaimRow = Omit<typeof claims.$inferSelect, 'searchVector'>
export type AppearanceRow = typeof appearances.$inferSelect
export type EvidenceRow = typeof evidence.$inferSelect
export type RatingScaleRow = typeof ratingScales.$inferSelect
export type ReviewRow = typeof reviews.$inferSelect
export type RevisionRow = typeof revisions.$inferSelect
export type WebhookRow = typeof webhooks.$inferSelect
export type WebhookDeliveryRow = typeof webhookDeliveries.$inferSelect
export type ImportRow = typeof imports.$inferSelect

// The rows are the domain's records (src/domain/types.ts), which the layers above read: a column that changes here
// and not there fails to compile.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
type AllTrue<T extends boolean[]> = T[number] extends true ? true : never
export const rowsAreRecords: AllTrue<
  [
    Same<OrganizationRow, domain.OrganizationRecord>,
    Same<ApiKeyRow, domain.ApiKeyRecord>,
    Same<AuditEventRow, domain.AuditEventRecord>,
    Same<ClaimantRow, domain.ClaimantRecord>,
    Same<ClaimRow, domain.ClaimRecord>,
    Same<AppearanceRow, domain.AppearanceRecord>,
    Same<EvidenceRow, domain.EvidenceRecord>,
    Same<RatingScaleRow, domain.RatingScaleRecord>,
    Same<ReviewRow, domain.ReviewRecord>,
    Same<WebhookRow, domain.WebhookRecord>,
    Same<WebhookDeliveryRow, domain.WebhookDeliveryRecord>,
    Same<ImportRow, domain.ImportRecord>
  ]
> = true
