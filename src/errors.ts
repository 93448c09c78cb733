// The named errors the service throws; the problem-details handler renders each as RFC 9457 problem+json.

export interface FieldError {
  /** Where the problem is: `body.text`, `query.limit`, `params.id` ... */
  field: string
  message: string
}

/** An error that is the client's to fix (or a known server condition), with the HTTP status and a stable code. */
export class ProblemError extends Error {
  readonly status: number
  readonly code: string
  readonly title: string
  readonly errors: FieldError[] | undefined
  readonly headers: Record<string, string>
  /** Further members of the problem object (RFC 9457 extensions), e.g. `existingId` on a duplicate. */
  readonly extensions: Record<string, unknown>

  constructor (options: {
    status: number
    code: string
    title: string
    detail: string
    errors?: FieldError[]
    headers?: Record<string, string>
    extensions?: Record<string, unknown>
  }) {
    super(options.detail)
    this.name = 'ProblemError'
    this.status = options.status
    this.code = options.code
    this.title = options.title
    this.errors = options.errors
    this.headers = options.headers ?? {}
    this.extensions = options.extensions ?? {}
  }
}

/** Every problem type the API can answer with: code -> status and title. The OpenAPI description lists them. */
export const problemTypes = {
  'bad-request': { status: 400, title: 'Bad request' },
  'validation-failed': { status: 400, title: 'Validation failed' },
  'invalid-json': { status: 400, title: 'Malformed JSON body' },
  'invalid-cursor': { status: 400, title: 'Invalid cursor' },
  unauthorized: { status: 401, title: 'Unauthorized' },
  forbidden: { status: 403, title: 'Forbidden' },
  'not-found': { status: 404, title: 'Not found' },
  conflict: { status: 409, title: 'Conflict' },
  'precondition-failed': { status: 412, title: 'Precondition failed' },
  'request-timeout': { status: 408, title: 'Request timeout' },
  'payload-too-large': { status: 413, title: 'Payload too large' },
  'unsupported-media-type': { status: 415, title: 'Unsupported media type' },
  'unprocessable-entity': { status: 422, title: 'Unprocessable entity' },
  'precondition-required': { status: 428, title: 'Precondition required' },
  'too-many-requests': { status: 429, title: 'Too many requests' },
  'request-header-fields-too-large': { status: 431, title: 'Request header fields too large' },
  'internal-error': { status: 500, title: 'Internal server error' },
  'service-unavailable': { status: 503, title: 'Service unavailable' },
} as const satisfies Record<string, { status: number, title: string }>

export type ProblemCode = keyof typeof problemTypes

export function problem (
  code: ProblemCode,
  detail: string,
  extra?: { errors?: FieldError[]; headers?: Record<string, string>; extensions?: Record<string, unknown> }
): ProblemError {
  return new ProblemError({ code, detail, ...problemTypes[code], ...extra })
}

export const forbidden = (detail: string) => problem('forbidden', detail)
/** 401, with the challenge RFC 9110 requires: the caller should send (another) API key. */
export const unauthorized = (detail: string) => problem('unauthorized', detail, { headers: { 'www-authenticate': 'Bearer realm="claimtrack"' } })
