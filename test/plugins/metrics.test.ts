// Prometheus metrics: requests by route pattern and status, with latency histograms, the database pool, and the
// process; what src/server.ts serves on METRICS_PORT.
import t from 'tap'
import { parseConfig } from '../../src/config.ts'
import { anonymous, build, createClaim } from '../helper.ts'

t.test('requests are counted and timed by route pattern and status', async (t) => {
  const app = await build(t)
  const claim = await createClaim(app)
  t.equal((await app.inject({ method: 'GET', url: `/v1/claims/${claim.id}` })).statusCode, 200)
  t.equal((await app.inject({ method: 'GET', url: `/v1/claims/${claim.id}`, headers: anonymous })).statusCode, 404)
  t.equal((await app.inject({ method: 'GET', url: '/no/such/path' })).statusCode, 404)

  const text = await app.metrics.metrics()
  t.match(text, /claimtrack_http_requests_total\{method="POST",route="\/v1\/claims",status="201"\} 1\n/)
  t.match(text, /claimtrack_http_requests_total\{method="GET",route="\/v1\/claims\/:id",status="200"\} 1\n/)
  t.match(text, /claimtrack_http_requests_total\{method="GET",route="\/v1\/claims\/:id",status="404"\} 1\n/)
  t.match(text, /claimtrack_http_request_duration_seconds_bucket\{le="\+Inf",method="GET",route="\/v1\/claims\/:id",status="200"\} 1\n/)
  t.notMatch(text, new RegExp(claim.id), 'ids never become labels')
  t.notMatch(text, /no\/such\/path/, 'nor do unknown paths')
  t.match(text, /claimtrack_db_pool_connections\{state="size"\} \d+\n/)
  t.match(text, /claimtrack_db_pool_connections\{state="waiting"\} 0\n/)
  t.match(text, /process_resident_memory_bytes \d+/, 'and the process')
})

t.test('METRICS_PORT must not be the public port', async (t) => {
  t.throws(() => parseConfig({ PORT: '3000', METRICS_PORT: '3000' }), /METRICS_PORT: must differ from PORT/)
  t.equal(parseConfig({ METRICS_PORT: '9464' }).metricsPort, 9464)
  t.equal(parseConfig({}).metricsPort, undefined, 'off by default')
})
