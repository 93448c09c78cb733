// postgres.js 3.4.9 is patched (scripts/patches/, applied by patch-package on install) for porsager/postgres#1154 and
// #1208: a write on a connection whose socket has closed threw from a setImmediate callback, an uncaught TypeError that
// took the process down. Here a reserved connection to a stand-in server on loopback is closed by the server, and the
// next query on it must be rejected with CONNECTION_CLOSED. Without the patch the process crashes and the test fails.
import { once } from 'node:events'
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { createServer, type AddressInfo, type Socket } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import postgres from 'postgres'
import t, { type Test } from 'tap'

type Postgres = typeof postgres

/** Message of the backend protocol: a type byte, then the length (itself included) and the body. */
function message (type: string, body: Buffer) {
  const head = Buffer.alloc(5)
  head.write(type, 0)
  head.writeInt32BE(body.length + 4, 1)
  return Buffer.concat([head, body])
}

/**
 * A server that accepts any start-up (AuthenticationOk, ReadyForQuery) and answers every later message as an empty
 * SELECT (CommandComplete, ReadyForQuery): enough for a simple-protocol query. Hands each socket to the test.
 */
async function standIn (t: Test) {
  const sockets: Socket[] = []
  const server = createServer((socket) => {
    sockets.push(socket)
    let started = false
    socket.on('data', () => {
      socket.write(started
        ? Buffer.concat([message('C', Buffer.from('SELECT 0\0')), message('Z', Buffer.from('I'))])
        : Buffer.concat([message('R', Buffer.alloc(4)), message('Z', Buffer.from('I'))]))
      started = true
    })
    socket.on('error', () => {})
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      })
  )
  return { port: (server.address() as AddressInfo).port, sockets }
}

async function queryAfterServerClose (t: Test, driver: Postgres) {
  const { port, sockets } = await standIn(t)
  const sql = driver({ host: '127.0.0.1', port, user: 'test', database: 'test', max: 1, fetch_types: false, onnotice: () => {} })
  t.teardown(() => sql.end({ timeout: 0 }))
  // A first query opens the pool's connection, which is then reserved.
  await sql.unsafe('select').simple()
  const reserved = await sql.reserve()
  t.equal(sockets.length, 1, 'one connection made')
  // The server ends the session (a backend terminated, a crash); the reserved connection is left without a socket.
  sockets[0]?.destroy()
  await sleep(100)
  const error = await Promise.resolve(reserved`select 1`).then(() => undefined, (e: { code?: string }) => e)
  // An uncaught TypeError from nextWrite would surface here, before or after the rejection.
  await sleep(100)
  t.equal(error?.code, 'CONNECTION_CLOSED', 'the query is rejected, the process lives on')
  reserved.release()
}

t.test('a query on a reserved connection the server closed is rejected (ES module build)', async (t) => {
  await queryAfterServerClose(t, postgres)
})

t.test('the same with the CommonJS build', async (t) => {
  const require = createRequire(import.meta.url)
  await queryAfterServerClose(t, require('postgres') as Postgres)
})

t.test('postgres is pinned to the version the patch is for', async (t) => {
  const root = new URL('../../', import.meta.url)
  const pkg = JSON.parse(await readFile(new URL('package.json', root), 'utf8')) as { dependencies: Record<string, string> }
  const installed = JSON.parse(await readFile(new URL('node_modules/postgres/package.json', root), 'utf8')) as { version: string }
  t.equal(pkg.dependencies.postgres, '3.4.9', 'an exact version in package.json')
  t.equal(installed.version, '3.4.9', 'and installed')
  await t.resolves(readFile(new URL(`scripts/patches/postgres+${installed.version}.patch`, root)), 'the patch is for it')
})
