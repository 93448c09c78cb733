// Which database errors are the database's passing trouble rather than a fault of the request or of this code: the
// server is down, restarting, out of connections, cancelled the statement (statement_timeout), or the pool had no
// free connection in time. The API answers them 503 with Retry-After, and the request can be retried as it is.

// postgres.js and Node.js network error codes of a connection that could not be made or was lost.
const CONNECTION_CODES = new Set([
  'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT',
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN',
])

export interface TransientDatabaseError {
  /** What the client is told. */
  detail: string
  /** Seconds the client should wait before retrying. */
  retryAfter: number
}

const unreachable: TransientDatabaseError = { detail: 'The database is not reachable at the moment. Retry shortly; nothing was changed unless a retry with the same Idempotency-Key says so.', retryAfter: 5 }
const busy: TransientDatabaseError = { detail: 'The database is too busy to take the request. Retry shortly.', retryAfter: 1 }
const interrupted: TransientDatabaseError = { detail: 'The request was interrupted by a concurrent change or a database limit. Retry it.', retryAfter: 1 }

function classify (code: string): TransientDatabaseError | undefined {
  if (code === 'DATABASE_BUSY') return busy
  if (CONNECTION_CODES.has(code)) return unreachable
  // SQLSTATE classes: 08 connection exception; 57P01-57P03 the server is shutting down, crashed or starting up;
  // 53 insufficient resources (too many connections); 57014 statement cancelled (statement_timeout);
  // 40001/40P01 serialization failure and deadlock, which a retry resolves.
  if (/^08/.test(code) || /^57P0[1-3]$/.test(code)) return unreachable
  if (/^53/.test(code)) return busy
  if (code === '57014' || code === '40001' || code === '40P01') return interrupted
  return undefined
}

/** The `code`s of an error and of its causes (drizzle wraps driver errors in `cause`), outermost first. */
export function errorCodes (error: unknown): string[] {
  const codes: string[] = []
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string') codes.push(code)
  }
  return codes
}

/** The transient database condition behind an error, if it is one. */
export function transientDatabaseError (error: unknown): TransientDatabaseError | undefined {
  for (const code of errorCodes(error)) {
    const found = classify(code)
    if (found) return found
  }
  return undefined
}
