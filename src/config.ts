// The service configuration: one zod schema over the environment, parsed once at start-up.
import { isIP } from 'node:net'
import { z } from 'zod'
import { containerCpus } from './lib/cpu-quota.ts'
import { parseAllowedHosts } from './lib/webhooks/address.ts'

const booleanFromEnv = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'])
  .transform((value) => ['true', '1', 'yes', 'on'].includes(value))

const ConfigSchema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().min(1).default('127.0.0.1'),
    DATABASE_URL: z
      .url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' })
      .optional(),
    DATABASE_READ_URL: z
      .url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' })
      .optional(),
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
    DATABASE_PIPELINE_DEPTH: z.coerce.number().int().min(1).max(100).default(4),
    DATABASE_ACQUIRE_TIMEOUT: z.coerce.number().int().min(10).max(60_000).default(2000),
    DATABASE_CONNECT_TIMEOUT: z.coerce.number().int().min(1).max(120).default(2),
    DATABASE_STATEMENT_TIMEOUT: z.coerce.number().int().min(100).max(600_000).default(10_000),
    PGLITE_DIR: z.string().min(1).default('./data/pglite'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    SEED_DEMO: booleanFromEnv.optional(),
    BODY_LIMIT: z.coerce
      .number()
      .int()
      .min(1024)
      .max(64 * 1024 * 1024)
      .default(1024 * 1024),
    LOOKUP_MAX_AGE: z.coerce.number().int().min(0).max(86_400).default(60),
    CURSOR_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
    MIGRATE_ON_START: booleanFromEnv.default(true),
    LOAD_SHED_EVENT_LOOP_DELAY: z.coerce.number().int().min(0).max(60_000).default(1000),
    LOAD_SHED_HEAP_USED: z.coerce.number().int().min(0).max(100).default(90),
    PREFIX_LIST_BYTES: z.coerce.number().int().min(1).max(6).default(4),
    REDIS_URL: z.url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' }).optional(),
    REDIS_KEY_PREFIX: z.string().min(1).max(100).default('claimtrack:'),
    TRUST_PROXY: z
      .string()
      .optional()
      .transform((value, ctx) => {
        const entries = (value ?? '')
          .split(',')
          .map((e) => e.trim())
          .filter(Boolean)
        for (const entry of entries) {
          const [address, bits, extra] = entry.split('/')
          const ok =
            address !== undefined &&
            extra === undefined &&
            (isIP(address) !== 0 || ['loopback', 'linklocal', 'uniquelocal'].includes(address)) &&
            (bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (isIP(address) === 6 ? 128 : 32)))
          if (!ok) ctx.addIssue({ code: 'custom', message: `"${entry}" is not an IP address or CIDR range` })
        }
        return entries
      }),
    CORS_ORIGINS: z
      .string()
      .optional()
      .transform((value, ctx) => {
        const origins = (value ?? '')
          .split(',')
          .map((e) => e.trim())
          .filter(Boolean)
        for (const origin of origins) {
          let ok = false
          try {
            ok = new URL(origin).origin === origin
          } catch {}
          if (!ok) { ctx.addIssue({ code: 'custom', message: `"${origin}" is not an origin like https://desk.example.org` }) }
        }
        return origins
      }),
    RATE_LIMIT_WINDOW: z.coerce.number().int().min(1).max(3600).default(60),
    RATE_LIMIT_ANONYMOUS: z.coerce.number().int().min(1).default(300),
    RATE_LIMIT_KEY: z.coerce.number().int().min(1).default(1200),
    RATE_LIMIT_PARTNER: z.coerce.number().int().min(1).default(6000),
    RATE_LIMIT_IPV6_PREFIX: z.coerce.number().int().min(16).max(128).default(64),
    SEARCH_STATEMENT_TIMEOUT: z.coerce.number().int().min(100).max(600_000).default(2000),
    SEARCH_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(2),
    MATCH_INDEX: booleanFromEnv.default(true),
    SEARCH_INDEX: booleanFromEnv.default(false),
    REQUEST_TIMEOUT: z.coerce.number().int().min(1000).max(600_000).default(30_000),
    HEADERS_TIMEOUT: z.coerce.number().int().min(500).max(600_000).default(10_000),
    MAX_CONNECTIONS: z.coerce.number().int().min(1).max(1_000_000).default(1000),
    CLAIMTRACK_WORKERS: z.coerce.number().int().min(1).max(256).optional(),
    JOBS_WORKER: booleanFromEnv.default(true),
    JOBS_MAINTENANCE_INTERVAL: z.coerce.number().int().min(1).max(3600).default(30),
    JOBS_POLL_INTERVAL: z.coerce.number().int().min(2).max(3600).default(30),
    METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
    WEBHOOK_ALLOWED_HOSTS: z
      .string()
      .optional()
      .transform((value, ctx) => {
        const { entries, invalid } = parseAllowedHosts(value ?? '')
        for (const entry of invalid) {
          ctx.addIssue({
            code: 'custom',
            message: `"${entry}" is not HOST[:PORT][@ORG] (HOST a host name, an IP address or a CIDR range; ORG an organisation's slug)`,
          })
        }
        return entries
      }),
    WEBHOOK_TIMEOUT: z.coerce.number().int().min(100).max(60_000).default(10_000),
    WEBHOOK_RETRY_DELAY: z.coerce.number().int().min(1).max(3600).default(30),
  })
  .refine((c) => c.HEADERS_TIMEOUT <= c.REQUEST_TIMEOUT, {
    path: ['HEADERS_TIMEOUT'],
    message: 'must not exceed REQUEST_TIMEOUT, which counts from the same first byte',
  })
  .refine((c) => c.METRICS_PORT === undefined || c.METRICS_PORT !== c.PORT, {
    path: ['METRICS_PORT'],
    message: 'must differ from PORT: metrics are not served on the public port',
  })
  .refine((c) => c.DATABASE_READ_URL === undefined || c.DATABASE_URL !== undefined, {
    path: ['DATABASE_READ_URL'],
    message: 'needs DATABASE_URL: a replica serves reads for a Postgres server, not for the embedded database',
  })
  .transform((c) => ({
    port: c.PORT,
    host: c.HOST,
    databaseUrl: c.DATABASE_URL,
    /** A streaming replica of DATABASE_URL that serves reads which need not see the caller's own latest writes. */
    databaseReadUrl: c.DATABASE_READ_URL,
    databasePoolSize: c.DATABASE_POOL_SIZE,
    /**
     * Statements in flight per pool connection once every connection is busy (postgres.js pipelines them); a
     * transaction holds a connection to itself. 1: one statement per connection at a time.
     */
    databasePipelineDepth: c.DATABASE_PIPELINE_DEPTH,
    databaseTimeouts: {
      /** Milliseconds a request waits for a pool connection before it is answered 503. */
      acquireMs: c.DATABASE_ACQUIRE_TIMEOUT,
      /** Seconds to wait for the server to accept a new connection. */
      connectSeconds: c.DATABASE_CONNECT_TIMEOUT,
      /** Milliseconds any one statement may run (the server cancels it after that). */
      statementMs: c.DATABASE_STATEMENT_TIMEOUT,
    },
    pgliteDir: c.PGLITE_DIR,
    logLevel: c.LOG_LEVEL,
    /** undefined means "seed when the embedded database is empty" */
    seedDemo: c.SEED_DEMO,
    bodyLimit: c.BODY_LIMIT,
    /** Seconds that browsers and CDNs may reuse a public lookup answer (Cache-Control max-age). */
    lookupMaxAge: c.LOOKUP_MAX_AGE,
    /**
     * Signs paging cursors; every process behind one load balancer needs the same value. A built-in one serves the
     * embedded database only: a server refuses to start without its own (parseConfig's `serving`).
     */
    cursorSecret: c.CURSOR_SECRET ?? DEFAULT_CURSOR_SECRET,
    /**
     * Whether start-up applies pending migrations; off, the app runs no DDL and refuses a database that lags behind.
     */
    migrateOnStart: c.MIGRATE_ON_START,
    loadShedding: {
      /** Mean event-loop delay (ms, over each second) above which requests are answered 503; 0 turns it off. */
      eventLoopDelayMs: c.LOAD_SHED_EVENT_LOOP_DELAY,
      /** Percent of V8's heap limit in use above which requests are answered 503; 0 turns it off. */
      heapUsedPercent: c.LOAD_SHED_HEAP_USED,
    },
    /** Bytes per hash prefix in GET /v1/lookup/prefix-list when the query does not say (?bytes=). */
    prefixListBytes: c.PREFIX_LIST_BYTES,
    /** Shared rate-limit counters in Redis; without it they live in Postgres. */
    redisUrl: c.REDIS_URL,
    /** Starts every Redis key (`<prefix>rl:…`), so that deployments sharing one Redis do not share counters. */
    redisKeyPrefix: c.REDIS_KEY_PREFIX,
    /** Proxies whose X-Forwarded-For is believed (addresses or CIDR ranges); none by default. */
    trustProxy: c.TRUST_PROXY,
    /** Browser origins allowed to write (and to read private data) with credentials; public reads allow any origin. */
    corsOrigins: c.CORS_ORIGINS,
    rateLimit: {
      /** The window, in seconds, that the limits below count requests in. */
      windowSeconds: c.RATE_LIMIT_WINDOW,
      /** Requests per window: per client IP without a key, per key for newsroom roles, per key for partners. */
      anonymous: c.RATE_LIMIT_ANONYMOUS,
      key: c.RATE_LIMIT_KEY,
      partner: c.RATE_LIMIT_PARTNER,
      /** IPv6 callers without a key are counted per network of this prefix length (a /64 is one subscriber). */
      ipv6PrefixBits: c.RATE_LIMIT_IPV6_PREFIX,
    },
    search: {
      /**
       * Milliseconds each statement of a search (a text query, a claim match) by an anonymous or partner caller may
       * run; newsroom keys get DATABASE_STATEMENT_TIMEOUT. Not enforced by the embedded database.
       */
      statementTimeoutMs: c.SEARCH_STATEMENT_TIMEOUT,
      /**
       * Searches one caller (an API key, or an address without one) may have running at once in a process; more are
       * 429.
       */
      concurrency: c.SEARCH_CONCURRENCY,
      /**
       * Whether claim matching answers from an inverted index this process holds in memory (built in the background
       * on the first match, kept current from the claims' change feed) rather than in SQL alone.
       */
      matchIndex: c.MATCH_INDEX,
      /**
       * Whether relevance-sorted full-text searches take their candidates from the in-process index (held beside
       * matching's, kept current from the same change feed) rather than ranking every match in SQL (docs/search.md).
       */
      searchIndex: c.SEARCH_INDEX,
    },
    /** Milliseconds a request may take, from its first byte to the response; the connection is closed after it. */
    requestTimeout: c.REQUEST_TIMEOUT,
    /** Milliseconds a client has to send a request's headers, from its first byte; then it is answered 408 too. */
    headersTimeout: c.HEADERS_TIMEOUT,
    /** Open connections one process accepts; more are closed as they arrive. */
    maxConnections: c.MAX_CONNECTIONS,
    /** Where Prometheus metrics are served (`GET /metrics`), on HOST; unset serves none. Never the public port. */
    metricsPort: c.METRICS_PORT,
    /** Whether this process runs the background jobs (webhook deliveries, imports); with false it only queues them. */
    jobsWorker: c.JOBS_WORKER,
    /** Seconds between the job engine's maintenance runs, which retry the jobs of workers that died. */
    jobsMaintenanceInterval: c.JOBS_MAINTENANCE_INTERVAL,
    /** Seconds between a job worker's backstop polls, which find retries coming due and jobs of a worker that died. */
    jobsPollInterval: c.JOBS_POLL_INTERVAL,
    webhooks: {
      /**
       * Hosts and networks a webhook may be delivered to although they are private, loopback or link-local (by default
       * none: only public addresses), as parsed by src/lib/webhooks/address.ts.
       */
      allowedHosts: c.WEBHOOK_ALLOWED_HOSTS,
      /** Milliseconds one delivery may take, from connecting to the end of the answer. */
      timeoutMs: c.WEBHOOK_TIMEOUT,
      /** Seconds before the first retry of a failed delivery; each later one waits about twice as long. */
      retryDelaySeconds: c.WEBHOOK_RETRY_DELAY,
    },
    /**
     * Processes serving the port (node:cluster); by default as many as the CPUs this container may use (its cgroup
     * quota, else the cores). The embedded database can be opened by one process only, so it always has one.
     */
    workers: c.DATABASE_URL === undefined ? 1 : (c.CLAIMTRACK_WORKERS ?? containerCpus()),
  }))

export type Config = z.output<typeof ConfigSchema>

const DEFAULT_CURSOR_SECRET = 'claimtrack-default-cursor-secret'

export class ConfigError extends Error {
  override name = 'ConfigError'
}

/**
 * Parses the environment into a Config; throws a ConfigError naming every bad variable. `serving` (the server) also
 * refuses what only matters to a public server: a Postgres server with the built-in CURSOR_SECRET, which anyone can
 * read here and use to forge cursors. Commands (migrate, keys, import, export) serve no pages and need none.
 */
export function parseConfig (env: Record<string, string | undefined> = process.env, { serving = false } = {}): Config {
  // An empty or blank variable counts as unset, as shells and .env files often leave them so.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ''))
  const result = ConfigSchema.safeParse(present)
  const lines = result.success ? [] : result.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`)
  if (serving && present.DATABASE_URL !== undefined && present.CURSOR_SECRET === undefined) {
    lines.push('  CURSOR_SECRET: must be set with DATABASE_URL (at least 16 random characters, the same on every process behind one load balancer, e.g. `openssl rand -base64 32`)')
  }
  if (!result.success || lines.length > 0) throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`)
  return result.data
}
