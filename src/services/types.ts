// Shapes the services hand to the routes.

export interface Page<T> {
  data: T[]
  nextCursor: string | null
}

/** What one request may spend on the database: each statement of a search at most this long (none: the server's). */
export interface ReadBudget {
  statementTimeoutMs?: number | undefined
}
