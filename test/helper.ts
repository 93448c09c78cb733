// Builds the real app on a fresh, migrated database for each test: PGlite by default, the Postgres server when
// DATABASE_URL is set, with an organisation whose admin key requests send by default. Every 5xx fails the test.
// The helpers live in test/helper/ by concern; tests import them from here.
export * from './helper/db.ts'
export * from './helper/app.ts'
export * from './helper/fixtures.ts'
export * from './helper/idempotency.ts'
