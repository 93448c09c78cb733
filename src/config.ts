// The service configuration: one zod schema over the environment, parsed once at start-up.
import { z } from 'zod'

const booleanFromEnv = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'])
  .transform((value) => ['true', '1', 'yes', 'on'].includes(value))

const ConfigSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z
    .url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' })
    .optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  PGLITE_DIR: z.string().min(1).default('./data/pglite'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SEED_DEMO: booleanFromEnv.optional(),
  BODY_LIMIT: z.coerce.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
  LOOKUP_MAX_AGE: z.coerce.number().int().min(0).max(86_400).default(60),
  CURSOR_SECRET: z.string().min(16, 'must be at least 16 characters').default('claimtrack-default-cursor-secret'),
}).transform((c) => ({
  port: c.PORT,
  host: c.HOST,
  databaseUrl: c.DATABASE_URL,
  databasePoolSize: c.DATABASE_POOL_SIZE,
  pgliteDir: c.PGLITE_DIR,
  logLevel: c.LOG_LEVEL,
  /** undefined means "seed when the embedded database is empty" */
  seedDemo: c.SEED_DEMO,
  bodyLimit: c.BODY_LIMIT,
  /** Seconds that browsers and CDNs may reuse a public lookup answer (Cache-Control max-age). */
  lookupMaxAge: c.LOOKUP_MAX_AGE,
  /** Signs paging cursors; every process behind one load balancer needs the same value. */
  cursorSecret: c.CURSOR_SECRET,
}))

export type Config = z.output<typeof ConfigSchema>

export class ConfigError extends Error {
  override name = 'ConfigError'
}

/** Parses the environment into a Config; throws a ConfigError naming every bad variable. */
export function parseConfig (env: Record<string, string | undefined> = process.env): Config {
  // An empty or blank variable counts as unset, as shells and .env files often leave them so.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ''))
  const result = ConfigSchema.safeParse(present)
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`)
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`)
  }
  return result.data
}
