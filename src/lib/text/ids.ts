// Telling an id from a slug, where an API parameter accepts either.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export const isUuid = (value: string) => UUID.test(value)

/** Ids as a Postgres array literal (`{a,b}`), one parameter cast to `uuid[]` in SQL whatever their number. */
export const uuidArray = (ids: string[]) => `{${ids.join(',')}}`
