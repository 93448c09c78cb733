// Read replicas, for real: a streaming replica of the fault cluster (pg_basebackup) serves the reads of requests that
// may use it, while writes, and the reads of a caller whose own write the replica has not replayed, go to the primary.
// Replay on the replica is paused to tell the two apart: what the primary has and the replica lacks shows who answered.
import postgres from 'postgres'
import t from 'tap'
import { buildApp } from '../../src/app.ts'
import { parseConfig } from '../../src/config.ts'
import { adminKeyFor, apiEnv, ensureReplica, freshServerDatabase, replicaPort, sleep } from './cluster.ts'

await ensureReplica()

const publishable = { ratingScale: 'truth-o-meter', rating: 'false', ratingExplanation: 'No.', url: 'https://factcheck.example.org/replica', author: { name: 'Replica desk' } }

t.test('reads are served by the replica; a caller reads its own writes from the primary until the replica has them', async (t) => {
  const database = await freshServerDatabase()
  t.teardown(() => database.drop())
  const writerKey = await adminKeyFor(database.url)
  const replicaUrl = new URL(database.url)
  replicaUrl.port = String(replicaPort)
  const replica = postgres(replicaUrl.toString(), { max: 1, onnotice: () => {} })
  t.teardown(() => replica.end())
  // CREATE DATABASE and the key reach the replica by replication too.
  for (let i = 0; ; i++) {
    try {
      const [row] = await replica`select pg_is_in_recovery() as standby, count(*)::int as keys from api_keys`
      if ((row?.keys as number) > 0) {
        t.equal(row?.standby, true, 'the replica is a standby')
        break
      }
    } catch (error) {
      if (i > 100) throw error
    }
    await sleep(100)
  }

  const app = await buildApp(parseConfig(apiEnv(database.url, { DATABASE_READ_URL: replicaUrl.toString() })))
  t.teardown(() => app.close())
  t.equal(app.database.hasReplica, true)
  const asWriter = { authorization: `Bearer ${writerKey}` }
  const readerKey = (await app.inject({ method: 'POST', url: '/v1/api-keys', headers: asWriter, payload: { name: 'a reader', role: 'reader' } })).json().key as string
  const asReader = { authorization: `Bearer ${readerKey}` }

  async function publishedClaim (text: string): Promise<string> {
    const claim = await app.inject({ method: 'POST', url: '/v1/claims', headers: asWriter, payload: { text } })
    t.equal(claim.statusCode, 201, claim.body)
    const id = claim.json().id as string
    const review = await app.inject({ method: 'POST', url: `/v1/claims/${id}/reviews`, headers: asWriter, payload: publishable })
    const published = await app.inject({ method: 'POST', url: `/v1/claims/${id}/reviews/${review.json().id}/publish`, headers: { ...asWriter, 'if-match': review.headers.etag as string } })
    t.equal(published.statusCode, 200, published.body)
    return id
  }
  const status = async (url: string, headers: Record<string, string> = {}) => (await app.inject({ method: 'GET', url, headers })).statusCode

  // With replay running, everyone soon reads the published claim.
  const first = await publishedClaim('Replicated claim.')
  for (let i = 0; i < 100 && await status(`/v1/claims/${first}`) !== 200; i++) await sleep(50)
  t.equal(await status(`/v1/claims/${first}`), 200, 'an anonymous reader sees it once the replica has it')

  // Replay paused: the primary moves on, the replica stays where it is.
  await replica`select pg_wal_replay_pause()`
  t.teardown(() => replica`select pg_wal_replay_resume()`.then(() => {}, () => {}))
  const second = await publishedClaim('Written while the replica is paused.')

  t.equal(await status(`/v1/claims/${second}`, asWriter), 200, 'the writer reads its own write (from the primary)')
  t.equal(await status(`/v1/claims/${second}`), 404, 'an anonymous read is served by the replica, which does not have it yet')
  t.equal(await status(`/v1/claims/${second}`, asReader), 404, 'so is a key that wrote nothing')
  const list = await app.inject({ method: 'GET', url: '/v1/claims' })
  t.same(list.json().data.map((c: { id: string }) => c.id), [first], 'lists too')
  const [activity] = await replica`select count(*)::int as n from pg_stat_activity where application_name = 'claimtrack'`
  t.ok((activity?.n as number) > 0, 'the app holds connections to the replica')

  // Writes still go to the primary while the replica lags.
  const edited = await app.inject({ method: 'PATCH', url: `/v1/claims/${first}`, headers: { ...asWriter, 'if-match': (await app.inject({ method: 'GET', url: `/v1/claims/${first}`, headers: asWriter })).headers.etag as string }, payload: { topics: ['while-paused'] } })
  t.equal(edited.statusCode, 200, 'a write succeeds while the replica is paused')

  await replica`select pg_wal_replay_resume()`
  for (let i = 0; i < 100 && await status(`/v1/claims/${second}`) !== 200; i++) await sleep(50)
  t.equal(await status(`/v1/claims/${second}`), 200, 'once replayed, everyone reads it')
  t.equal(await status(`/v1/claims/${second}`, asWriter), 200, 'and the writer still does')
})
