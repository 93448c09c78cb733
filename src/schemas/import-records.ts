// The import checks each record as the API checks a request: with the request bodies, handed to the import service
// by the composition root (src/container.ts) as RecordChecks (src/services/import-records.ts).
import { CreateAppearanceBody } from './appearances.ts'
import { CreateClaimantBody } from './claimants.ts'
import { CreateClaimBody } from './claims.ts'
import { TimestampInput } from './common.ts'
import { CreateReviewBody } from './reviews.ts'

/** A claim as POST /v1/claims takes it; the claimant is matched by name and the status follows from the verdict. */
const ImportedClaim = CreateClaimBody.omit({ claimantId: true, status: true })

export const importRecordChecks = {
  claim: (value: unknown) => ImportedClaim.safeParse(value),
  claimant: (value: unknown) => CreateClaimantBody.safeParse(value),
  appearance: (value: unknown) => CreateAppearanceBody.safeParse(value),
  review: (value: unknown) => CreateReviewBody.safeParse(value),
  timestamp: (value: unknown) => TimestampInput.safeParse(value),
}
