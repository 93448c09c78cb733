// No acknowledged write is lost. Writers create and update claims as fast as they can, each request with an
// Idempotency-Key that its retries reuse, while Postgres is crashed (`stop -m immediate`) and restarted, and then
// the API is killed (`kill -9`) and restarted. Every create and update the API acknowledged (2xx) is then checked in
// the database, with its revision; and no key made two claims, however often it was retried.
import postgres from 'postgres'
import t from 'tap'
import { adminKeyFor, apiEnv, crashPostgres, ensureCluster, freshServerDatabase, sleep, startApi, startPostgres, type ApiProcess } from './cluster.ts'

await ensureCluster()

interface Ack { id: string, version: number }

t.test('acknowledged creates and updates survive a Postgres crash and an API crash', async (t) => {
  const database = await freshServerDatabase()
  t.teardown(() => database.drop())
  const key = await adminKeyFor(database.url)
  // A record left running by a killed process is taken over by a retry after REQUEST_TIMEOUT + 10 s.
  const env = apiEnv(database.url, { REQUEST_TIMEOUT: '3000', HEADERS_TIMEOUT: '3000' })
  const port = 20_000 + Math.floor(Math.random() * 20_000)
  let api: ApiProcess = await startApi(env, port)
  t.teardown(() => { api.child.kill('SIGKILL') })

  const acked = new Map<string, Ack>() // idempotency key of the create -> the claim as acknowledged last
  const createdBy = new Map<string, string>() // claim text (= its create key) -> id
  const failures = { network: 0, unavailable: 0, other: 0 }
  let attempts = 0
  const state = { stopping: false }

  /** Sends one write until it is acknowledged, reusing its Idempotency-Key; undefined if the test ends first. */
  async function untilAcknowledged (request: () => Promise<Response>): Promise<Response | undefined> {
    for (let delay = 50; ; delay = Math.min(delay * 2, 1000)) {
      attempts++
      try {
        const res = await request()
        if (res.status < 300) return res
        if (res.status === 503 || res.status === 409) failures.unavailable++
        else {
          failures.other++
          throw new Error(`unexpected ${res.status}: ${await res.text()}`)
        }
        await res.arrayBuffer().catch(() => {})
      } catch (error) {
        if ((error as Error).message.startsWith('unexpected')) throw error
        failures.network++
      }
      if (state.stopping && delay >= 1000) return undefined
      await sleep(delay)
    }
  }

  const base = `http://127.0.0.1:${port}`
  const headers = (idempotencyKey: string, extra: Record<string, string> = {}) => ({
    authorization: `Bearer ${key}`, 'content-type': 'application/json', 'idempotency-key': idempotencyKey, ...extra,
  })

  async function writer (n: number) {
    for (let i = 0; !state.stopping; i++) {
      const createKey = `w${n}-c${i}`
      const created = await untilAcknowledged(() => fetch(`${base}/v1/claims`, { method: 'POST', headers: headers(createKey), body: JSON.stringify({ text: createKey }) }))
      if (!created) return
      const claim = await created.json() as { id: string, version: number }
      acked.set(createKey, { id: claim.id, version: claim.version })
      createdBy.set(createKey, claim.id)
      let etag = created.headers.get('etag') ?? ''
      for (let u = 1; u <= 2 && !state.stopping; u++) {
        const updated = await untilAcknowledged(() => fetch(`${base}/v1/claims/${claim.id}`, { method: 'PATCH', headers: headers(`${createKey}-u${u}`, { 'if-match': etag }), body: JSON.stringify({ topics: [`update-${u}`] }) }))
        if (!updated) return
        const body = await updated.json() as { version: number }
        acked.set(createKey, { id: claim.id, version: body.version })
        etag = updated.headers.get('etag') ?? ''
      }
    }
  }

  const writers = [0, 1, 2, 3].map(writer)
  await sleep(3000)
  const beforeCrash = acked.size

  /** Lets the writers run until they have had `more` writes acknowledged (retries may first wait for stale records). */
  async function untilMoreAcknowledged (more: number) {
    const target = acked.size + more
    const deadline = Date.now() + 60_000
    while (acked.size < target && Date.now() < deadline) await sleep(200)
  }

  await crashPostgres()
  await sleep(1500)
  await startPostgres()
  await untilMoreAcknowledged(20)
  const afterDatabaseCrash = acked.size

  api.child.kill('SIGKILL')
  await api.exited
  api = await startApi(env, port)
  // The killed process's running records are taken over once stale (REQUEST_TIMEOUT + 10 s): retries wait for that.
  await untilMoreAcknowledged(20)

  state.stopping = true
  await Promise.all(writers)
  const final = acked.size
  t.ok(beforeCrash > 0 && afterDatabaseCrash > beforeCrash && final > afterDatabaseCrash, `writes acknowledged before (${beforeCrash}), between (${afterDatabaseCrash}) and after (${final}) the crashes`)
  t.ok(failures.network + failures.unavailable > 0, `the crashes were felt: ${JSON.stringify(failures)}`)
  t.equal(failures.other, 0, 'no other failure')

  // Everything acknowledged is there, at least at the acknowledged version, with the revision of that version.
  const sql = postgres(database.url, { max: 1, onnotice: () => {} })
  t.teardown(() => sql.end())
  const rows = await sql<Array<{ id: string, text: string, version: number }>>`select id, text, version from claims`
  const revisions = await sql<Array<{ entity_id: string, version: number }>>`select entity_id, version from revisions where entity_type = 'claim'`
  const revisionSet = new Set(revisions.map((r) => `${r.entity_id}@${r.version}`))
  const byId = new Map(rows.map((row) => [row.id, row]))
  let lost = 0
  for (const [createKey, ack] of acked) {
    const row = byId.get(ack.id)
    if (!row || row.text !== createKey || row.version < ack.version || !revisionSet.has(`${ack.id}@${ack.version}`)) {
      lost++
      t.fail(`lost: ${createKey} ${JSON.stringify(ack)} -> ${JSON.stringify(row)}`)
    }
  }
  t.equal(lost, 0, `0 of ${acked.size} acknowledged claims lost (with ${[...acked.values()].reduce((n, a) => n + a.version - 1, 0)} acknowledged updates)`)

  // However often a create was retried, its key made one claim.
  const perText = new Map<string, number>()
  for (const row of rows) perText.set(row.text, (perText.get(row.text) ?? 0) + 1)
  const duplicated = [...perText].filter(([, n]) => n > 1)
  t.same(duplicated, [], 'no create made two claims')
  t.comment(`acked-writes: ${acked.size} claims acknowledged, ${attempts} requests sent, failures ${JSON.stringify(failures)}, ${rows.length} claims in the database, 0 lost, ${duplicated.length} duplicated`)
})
