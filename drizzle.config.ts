// drizzle-kit settings: generates SQL migrations in migrations/ from src/db/schema.ts (which re-exports the tables of
// src/db/schema/, one module per aggregate).
import { defineConfig } from 'drizzle-kit'

export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema.ts',
  out: './migrations',
  casing: 'snake_case',
  dbCredentials: { url: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
})
