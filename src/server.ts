// The only file that listens: parse the configuration, build the app, listen, and shut down gracefully. With
// CLAIMTRACK_WORKERS above 1 (a Postgres server only), this process forks that many workers that share the port
// (node:cluster), restarts any that dies, and passes SIGTERM/SIGINT on to them; each worker is the app as usual.
import cluster, { type Worker } from 'node:cluster'
import { createServer, type Server } from 'node:http'
import closeWithGrace from 'close-with-grace'
import { AggregatorRegistry } from 'prom-client'
// First, and the app below imported only once it has run: its resolution hook then spares Node 24 about a second of
// CPU in resolving the app's modules (src/preload.ts; no loader flag, nothing changes what a module is).
import './preload.ts'
import { ConfigError, parseConfig, type Config } from './config.ts'
import { lockDataDir, type DataDirLock } from './db/data-dir-lock.ts'

/** How long the workers have to finish after SIGTERM before they are killed (each also stops itself after 10 s). */
const SHUTDOWN_GRACE_MS = 12_000
/** A worker that dies sooner than this after starting is restarted after a growing delay, not at once. */
const CRASH_LOOP_MS = 5_000

function configOrExit (): Config {
  try {
    return parseConfig(process.env, { serving: true })
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message)
      process.exit(2)
    }
    throw error
  }
}

/** A listener of its own for `GET /metrics` (Prometheus text format), on METRICS_PORT. */
async function serveMetrics (
  config: Config,
  render: () => Promise<{ body: string; contentType: string }>
): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('Not found: metrics are at /metrics\n')
      return
    }
    render().then(
      ({ body, contentType }) => {
        response.writeHead(200, { 'content-type': contentType }).end(body)
      },
      (err: unknown) => {
        response
          .writeHead(500, { 'content-type': 'text/plain' })
          .end(`metrics unavailable: ${(err as Error).message}\n`)
      }
    )
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(config.metricsPort, config.host, () => resolve())
  })
  return server
}

async function serve (config: Config) {
  let app
  let lock: DataDirLock
  try {
    // The embedded database is this process's alone: refuse to start while a command or another server has it open.
    lock = lockDataDir(config, 'server', `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`)
    const { buildApp } = await import('./app.ts')
    app = await buildApp(config)
  } catch (error) {
    // Migrations, the durability check or the database itself: one readable line, and a failed exit for the
    // orchestrator to restart or report.
    console.error(`claimtrack: could not start: ${(error as Error).message}`)
    process.exit(1)
  }
  let metrics: Server | undefined
  closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'shutting down after an error')
    else app.log.info({ signal }, 'shutting down')
    metrics?.close()
    await app.close()
    lock.release()
  })
  // A worker hands its metrics to the cluster's primary, which serves them all; a lone process serves its own.
  if (cluster.isWorker) {
    AggregatorRegistry.setRegistries([app.metrics])
    // Constructing one is what makes a worker answer the primary's requests for its metrics.
    // eslint-disable-next-line no-new
    new AggregatorRegistry()
  } else if (config.metricsPort !== undefined) {
    const registry = app.metrics
    metrics = await serveMetrics(config, async () => ({
      body: await registry.metrics(),
      contentType: registry.contentType,
    }))
  }
  await app.listen({ port: config.port, host: config.host })
  // Built in the background once the process answers: matching answers in SQL meanwhile (src/services/match-index.ts).
  app.services.matchIndex.start()
}

/** The primary of a cluster: forks the workers, keeps them running, and stops them on a signal. */
function supervise (config: Config) {
  const log = (message: string) => console.error(`claimtrack: ${message}`)
  let stopping = false
  let restartDelay = 500
  const startedAt = new Map<Worker, number>()

  function fork (): Worker {
    const worker = cluster.fork()
    startedAt.set(worker, Date.now())
    return worker
  }

  // The first worker migrates (and seeds) alone; the others start once it listens, so they never race at it.
  let listening = false
  fork().once('listening', () => {
    listening = true
    for (let i = 1; i < config.workers; i++) fork()
    log(`${config.workers} workers listening on ${config.host}:${config.port}`)
  })

  cluster.on('exit', (worker, code, signal) => {
    const lived = Date.now() - (startedAt.get(worker) ?? 0)
    startedAt.delete(worker)
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0)
      return
    }
    if (!listening) {
      log(`the first worker exited (${signal ?? code}) before listening; giving up`)
      process.exit(code || 1)
    }
    restartDelay = lived < CRASH_LOOP_MS ? Math.min(restartDelay * 2, 30_000) : 500
    log(`worker ${worker.process.pid} exited (${signal ?? code}); starting another in ${restartDelay} ms`)
    setTimeout(() => { if (!stopping) fork() }, restartDelay).unref()
  })

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return
    stopping = true
    log(`${signal}: stopping the workers`)
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM')
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0)
    setTimeout(() => {
      log('workers still running after the grace period; killing them')
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGKILL')
      process.exit(1)
    }, SHUTDOWN_GRACE_MS).unref()
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)

  if (config.metricsPort !== undefined) {
    const aggregator = new AggregatorRegistry()
    serveMetrics(config, async () => ({
      body: await aggregator.clusterMetrics(),
      contentType: aggregator.contentType,
    })).then(
      (server) => server.unref(),
      (err: unknown) => {
        log(`could not serve metrics on port ${config.metricsPort}: ${(err as Error).message}`)
      }
    )
  }
}

const config = configOrExit()
if (cluster.isPrimary && config.workers > 1) supervise(config)
else await serve(config)
