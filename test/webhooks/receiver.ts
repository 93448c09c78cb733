// A webhook receiver for the tests: node:http on a loopback address and a random port, recording every request
// (headers and body) and answering as the test says (a status, or holding the request open); and `until`, which
// waits for something the job engine does in its own time.
import { once } from 'node:events'
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Test } from 'tap'

export interface Received { headers: IncomingHttpHeaders, body: string, path: string }

/** How to answer a request: a status (and body), or `hold` to keep it open until the receiver closes. */
export type Answer = { status: number, body?: string, headers?: Record<string, string> } | 'hold'

export interface Receiver {
  url: string
  received: Received[]
  /** Called with each request (and how many came before it); answers 200 `ok` by default. */
  answer: (request: Received, index: number) => Answer
  /** Called as each request arrives, before it is answered. */
  onRequest?: (request: Received) => void
}

export async function startReceiver (t: Test, host = '127.0.0.1'): Promise<Receiver> {
  const held: ServerResponse[] = []
  const receiver: Receiver = { url: '', received: [], answer: () => ({ status: 200, body: 'ok' }) }
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const request = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), path: req.url ?? '' }
      const index = receiver.received.push(request) - 1
      receiver.onRequest?.(request)
      const answer = receiver.answer(request, index)
      if (answer === 'hold') {
        held.push(res)
        return
      }
      res.writeHead(answer.status, answer.headers).end(answer.body ?? '')
    })
  })
  server.listen(0, host)
  await once(server, 'listening')
  receiver.url = `http://${host}:${(server.address() as AddressInfo).port}`
  t.teardown(async () => {
    for (const res of held) res.destroy()
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })
  return receiver
}

/** Waits until `check` returns a value other than undefined or false, polling; fails after `timeoutMs`. */
export async function until<T> (
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 20_000
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined && value !== false) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(100)
  }
}
