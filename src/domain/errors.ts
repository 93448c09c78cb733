// Domain errors: what a service refuses and why, in the words of its own input, knowing nothing of HTTP. Field
// paths are relative to the input the service was given (`claimantId`, `urls.3`); the HTTP edge
// (src/plugins/problem-details.ts) answers each kind as problem+json and adds where the request carried the input.

/** One field of the input that is wrong: its path in the input (`rating`, `urls.3`) and what is wrong with it. */
export interface FieldIssue {
  path: string
  message: string
}

/** Every domain error; `kind` names it for the table that maps kinds to answers. */
export abstract class DomainError extends Error {
  abstract readonly kind: string
  constructor (detail: string) {
    super(detail)
    this.name = new.target.name
  }
}

/** Issues about the input, or (when `subject` is set) about the stored entity it names, e.g. `review`. */
export abstract class FieldIssuesError extends DomainError {
  readonly issues: FieldIssue[]
  readonly subject: string | undefined
  constructor (detail: string, issues: FieldIssue[], subject?: string) {
    super(detail)
    this.issues = issues
    this.subject = subject
  }
}

/** The input is malformed: a value no rule could accept (a URL that is not http, a search of nothing). */
export class ValidationError extends FieldIssuesError {
  readonly kind = 'validation'
}

/** The input is well formed but breaks a rule or names what does not exist (a claimant of another desk). */
export class RuleViolationError extends FieldIssuesError {
  readonly kind = 'rule-violation'
}

/** A value out of what can be answered, with no field to name (a point in time in the future). */
export class InvalidInputError extends DomainError {
  readonly kind = 'invalid-input'
}

/** A paging cursor this service did not issue for this list. */
export class InvalidCursorError extends DomainError {
  readonly kind = 'invalid-cursor'
}

export class NotFoundError extends DomainError {
  readonly kind = 'not-found'
  constructor (what: string, id: string) {
    super(`${what} ${id} does not exist.`)
  }
}

/** The change conflicts with the state of things; `details` name what it conflicts with (e.g. `existingId`). */
export class ConflictError extends DomainError {
  readonly kind = 'conflict'
  readonly details: Record<string, unknown>
  constructor (detail: string, details: Record<string, unknown> = {}) {
    super(detail)
    this.details = details
  }
}

/** The caller is known but may not do this. */
export class ForbiddenError extends DomainError {
  readonly kind = 'forbidden'
}

/** The caller's credential is missing, malformed or not (or no longer) known. */
export class UnauthenticatedError extends DomainError {
  readonly kind = 'unauthenticated'
}

/** A change that must name the version it was made on did not (`current`: the version tag it would need). */
export class PreconditionRequiredError extends DomainError {
  readonly kind = 'precondition-required'
  readonly current: string | undefined
  constructor (detail: string, current?: string) {
    super(detail)
    this.current = current
  }
}

/** A change made on a version that is no longer the current one (`current`: the version tag now). */
export class PreconditionFailedError extends DomainError {
  readonly kind = 'precondition-failed'
  readonly current: string
  constructor (detail: string, current: string) {
    super(detail)
    this.current = current
  }
}

/** The work could not be done now (it ran out of its time budget); it may succeed after `retryAfterSeconds`. */
export class UnavailableError extends DomainError {
  readonly kind = 'unavailable'
  readonly retryAfterSeconds: number
  constructor (detail: string, retryAfterSeconds: number) {
    super(detail)
    this.retryAfterSeconds = retryAfterSeconds
  }
}
