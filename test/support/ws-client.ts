// A `ws` client for tests of WebSocket routes: every message queued from the start, every wait bounded.
import { WebSocket } from 'ws'

export const BOUND = 20_000 // only keeps a broken test from hanging; nothing asserts speed

// Messages are queued from the start: one sent in the server's open() can arrive in the same tick as 'open'.
const inbox = new WeakMap<WebSocket, { queue: [Buffer, boolean][]; waiting: ((m: [Buffer, boolean]) => void)[] }>()

/** Resolves with the open client, or rejects with the HTTP answer that refused the handshake. */
export function connect(url: string, opts: ConstructorParameters<typeof WebSocket>[2] = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { handshakeTimeout: BOUND, ...opts })
    const box = { queue: [] as [Buffer, boolean][], waiting: [] as ((m: [Buffer, boolean]) => void)[] }
    inbox.set(ws, box)
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      const w = box.waiting.shift()
      if (w) w([data, isBinary])
      else box.queue.push([data, isBinary])
    })
    ws.once('open', () => resolve(ws)).once('error', reject)
    ws.once('unexpected-response', (_req, res) => {
      let body = ''
      res.setEncoding('utf8').on('data', (d: string) => (body += d))
      res.on('end', () => reject(Object.assign(new Error(`refused ${res.statusCode}`), { status: res.statusCode, headers: res.headers, body })))
    })
  })
}

/** The next message of a client and whether it was binary. */
export function next(ws: WebSocket): Promise<[Buffer, boolean]> {
  const box = inbox.get(ws)!
  const m = box.queue.shift()
  if (m) return Promise.resolve(m)
  return new Promise((resolve, reject) => {
    box.waiting.push(resolve)
    setTimeout(() => reject(new Error('no message within the bound')), BOUND).unref()
  })
}

/** The next message of a client, as a string. */
export async function message(ws: WebSocket): Promise<string> {
  return String((await next(ws))[0])
}

/** Resolves with the close code the client saw. */
export function closed(ws: WebSocket): Promise<number> {
  return new Promise((resolve) => (ws.readyState === WebSocket.CLOSED ? resolve(-1) : ws.once('close', (code) => resolve(code))))
}

export async function until(cond: () => boolean, what: string): Promise<void> {
  const end = performance.now() + BOUND
  while (!cond()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}
