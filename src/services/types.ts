// Shapes the services hand to the routes.

export interface Page<T> {
  data: T[]
  nextCursor: string | null
}
