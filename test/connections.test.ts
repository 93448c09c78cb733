// Slow and malformed clients over a real socket: a trickled body or trickled headers are answered 408 at
// REQUEST_TIMEOUT / HEADERS_TIMEOUT, Node's own refusals (400, 408, 431) are problem+json, and a process accepts at
// most MAX_CONNECTIONS connections.
import { once } from 'node:events'
import { connect, type Socket } from 'node:net'
import type { FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import { build } from './helper.ts'

async function listening (t: Test, env: Record<string, string>): Promise<{ app: FastifyInstance, port: number }> {
  const app = await build(t, { env })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const address = app.server.address()
  if (address === null || typeof address === 'string') throw new Error('no port')
  return { app, port: address.port }
}

/** A raw connection; `answer` resolves with everything the server sent once it closes the connection. */
async function rawConnection (t: Test, port: number) {
  const socket: Socket = connect(port, '127.0.0.1')
  await once(socket, 'connect')
  let received = ''
  socket.setEncoding('utf8').on('data', (chunk: string) => { received += chunk })
  socket.on('error', () => {})
  const answer = new Promise<string>((resolve) => socket.once('close', () => resolve(received)))
  t.teardown(() => { socket.destroy() })
  return { socket, answer }
}

/** Writes one byte every `everyMs` until the connection closes. */
function trickle (socket: Socket, text: string, everyMs: number) {
  let at = 0
  const timer = setInterval(() => {
    if (socket.destroyed || at >= text.length) return clearInterval(timer)
    socket.write(text[at++] ?? '')
  }, everyMs)
  socket.once('close', () => clearInterval(timer))
}

/** The status line, content type and JSON body of a raw HTTP answer. */
function parse (raw: string) {
  const [head = '', body = ''] = raw.split('\r\n\r\n')
  const [statusLine = '', ...headers] = head.split('\r\n')
  const type = headers.find((h) => /^content-type:/i.test(h))?.replace(/^content-type:\s*/i, '')
  return { status: Number(statusLine.split(' ')[1]), type, body: body ? JSON.parse(body) : undefined }
}

const timeouts = { REQUEST_TIMEOUT: '2000', HEADERS_TIMEOUT: '1000' }

t.test('a body trickled in is answered 408 problem+json at REQUEST_TIMEOUT', async (t) => {
  const { port } = await listening(t, timeouts)
  const { socket, answer } = await rawConnection(t, port)
  const started = Date.now()
  socket.write('POST /v1/claims/match HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n')
  trickle(socket, `{"text": "${'x'.repeat(90)}"}`, 250)
  const res = parse(await answer)
  const ms = Date.now() - started
  t.equal(res.status, 408, 'answered 408')
  t.equal(res.type, 'application/problem+json')
  t.match(res.body, { type: '/problems/request-timeout', status: 408, title: 'Request timeout' })
  // Node looked every 30 s, so the 408 came at up to REQUEST_TIMEOUT + 30 s; generous bounds for a loaded machine.
  t.ok(ms >= 1500 && ms < 6000, `at about REQUEST_TIMEOUT (2 s): ${ms} ms`)
})

t.test('headers trickled in are answered 408 problem+json at HEADERS_TIMEOUT', async (t) => {
  const { port } = await listening(t, timeouts)
  const { socket, answer } = await rawConnection(t, port)
  const started = Date.now()
  socket.write('GET /v1/claims HTTP/1.1\r\nHost: 127.0.0.1\r\n')
  trickle(socket, `X-Slow: ${'y'.repeat(200)}\r\n\r\n`, 100)
  const res = parse(await answer)
  const ms = Date.now() - started
  t.equal(res.status, 408)
  t.equal(res.type, 'application/problem+json')
  t.match(res.body, { type: '/problems/request-timeout', status: 408 })
  t.ok(ms < 5000, `at about HEADERS_TIMEOUT (1 s), before REQUEST_TIMEOUT's 2 s has long passed: ${ms} ms`)
})

t.test("Node's own 400 and 431 are problem+json", async (t) => {
  const { port } = await listening(t, timeouts)
  const malformed = await rawConnection(t, port)
  malformed.socket.write('NOT HTTP AT ALL\r\n\r\n')
  const bad = parse(await malformed.answer)
  t.equal(bad.status, 400)
  t.equal(bad.type, 'application/problem+json')
  t.match(bad.body, { type: '/problems/bad-request', status: 400, title: 'Bad request' })

  const huge = await rawConnection(t, port)
  huge.socket.write(`GET /v1/claims HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Huge: ${'z'.repeat(20_000)}\r\n\r\n`)
  const tooLarge = parse(await huge.answer)
  t.equal(tooLarge.status, 431)
  t.equal(tooLarge.type, 'application/problem+json')
  t.match(tooLarge.body, { type: '/problems/request-header-fields-too-large', status: 431 })
})

t.test('a process holds at most MAX_CONNECTIONS connections', async (t) => {
  const { port } = await listening(t, { ...timeouts, MAX_CONNECTIONS: '3' })
  const held = await Promise.all([1, 2, 3].map(() => rawConnection(t, port)))
  // Let the server see all three before the fourth comes.
  await new Promise((resolve) => setTimeout(resolve, 200))
  const extra = await rawConnection(t, port)
  extra.socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
  t.equal(await extra.answer, '', 'a fourth connection is closed unanswered')
  for (const { socket } of held) socket.destroy()
  await new Promise((resolve) => setTimeout(resolve, 200))
  const res = await fetch(`http://127.0.0.1:${port}/healthz`)
  t.equal(res.status, 200, 'once they are gone, a new connection is served')
})
