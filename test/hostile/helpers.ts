// Raw-socket helpers for the hostile-input suite: bytes go out exactly as written, no client normalisation.
import assert from 'node:assert/strict'
import { type Socket, connect } from 'node:net'
import { type App, createApp } from '../../src/index.js'
import { consoleLogger } from '../../src/utils/console-logger.js'
import { type Site, type StreamCounters, buildApp, makeSite } from './app.js'

/** Starts an app on 127.0.0.1:0 with a silent logger. */
export async function serve(setup: (app: App) => void, opts: Parameters<typeof createApp>[0] = {}): Promise<App> {
  const app = createApp({ mode: 'release', logger: consoleLogger('silent'), ...opts })
  setup(app)
  await app.listen({ port: 0, host: '127.0.0.1' })
  return app
}

/** What came back on a raw exchange: the bytes, whether the server closed the socket, how many parts went out. */
export interface Exchange {
  text: string
  closed: boolean
  ms: number
  /** How many of the parts had been written when the exchange ended (a cut mid-drip sent fewer than all). */
  sent: number
}

/**
 * Writes `data` (parts are written one after another with `gap` ms between them) and reads until the
 * server closes the socket, `timeout` ms pass, or `stop(text)` holds (e.g. {@link answered}). The timeout
 * only ends an exchange the server never finishes: a test asserts what came back, not how fast.
 */
export function exchange(
  port: number,
  data: string | Buffer | Array<string | Buffer>,
  timeout = 20_000,
  gap = 0,
  stop?: (text: string) => boolean,
): Promise<Exchange> {
  return new Promise((resolve) => {
    const t0 = Date.now()
    const s = connect(port, '127.0.0.1')
    let text = ''
    let closed = false
    const finish = () => {
      clearTimeout(timer)
      s.destroy()
      resolve({ text, closed, ms: Date.now() - t0, sent: i })
    }
    const timer = setTimeout(finish, timeout)
    s.on('data', (d) => {
      text += d.toString('latin1')
      if (stop?.(text)) finish()
    })
    s.on('end', () => {
      closed = true
    })
    s.on('close', () => {
      closed = true
      finish()
    })
    s.on('error', () => {})
    const parts = Array.isArray(data) ? data : [data]
    let i = 0
    const next = () => {
      if (i >= parts.length || s.destroyed) return
      s.write(parts[i++]!)
      if (i < parts.length) setTimeout(next, gap)
    }
    next()
  })
}

/** Whether `text` holds one whole final response with a `Content-Length` body (interim 1xx skipped). */
export function answered(text: string): boolean {
  const final = text.replace(/^(HTTP\/1\.1 1\d\d [^\r]*\r\n\r\n)+/, '')
  const end = final.indexOf('\r\n\r\n')
  if (end === -1) return false
  const m = /\r\ncontent-length: *(\d+)/i.exec(final.slice(0, end))
  return m !== null && final.length >= end + 4 + Number(m[1])
}

/** The status code of the first response in `text`, or 0 when there is none. */
export function statusOf(text: string): number {
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(text)
  return m ? Number(m[1]) : 0
}

/**
 * Whether the last response in `text` (latin1) is framed whole: chunked with its terminator, or exactly
 * `Content-Length` bytes; no body at all for a HEAD (`head`), a 204 or a 304. Interim 1xx are skipped.
 */
export function complete(text: string, head = false): boolean {
  const final = text.replace(/^(HTTP\/1\.1 1\d\d [^\r]*\r\n\r\n)+/, '')
  const end = final.indexOf('\r\n\r\n')
  if (end === -1) return false
  const headers = final.slice(0, end).toLowerCase()
  const body = final.slice(end + 4)
  const status = statusOf(final)
  if (head || status === 204 || status === 304) return body === ''
  if (/\r\ntransfer-encoding: chunked/.test(headers)) return body.endsWith('0\r\n\r\n')
  const length = /\r\ncontent-length: (\d+)/.exec(headers)
  return length !== null && body.length === Number(length[1])
}

/** A seeded xorshift32 generator of numbers in [0, 1): the same seed gives the same sequence everywhere. */
export function rng(seed: number): () => number {
  let x = seed >>> 0 || 1
  return () => {
    x ^= x << 13
    x >>>= 0
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    return x / 0x1_0000_0000
  }
}

/** A socket that keeps what it received: `got()` is the text so far (latin1), `gone` resolves on close. */
export type RawSocket = Socket & { got: () => string; bytes: () => number; gone: Promise<void> }

/** Connects to 127.0.0.1:`port`; resolves once connected. */
export function open(port: number): Promise<RawSocket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1')
    let out = ''
    let n = 0
    s.on('data', (d: Buffer) => {
      n += d.length
      if (out.length < 4_000_000) out += d.toString('latin1')
    })
    s.on('error', () => {})
    const gone = new Promise<void>((r) => s.once('close', () => r()))
    s.once('connect', () => resolve(Object.assign(s, { got: () => out, bytes: () => n, gone })))
    s.once('error', reject)
  })
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * Polls `cond` every `every` ms; resolves with the time it took, or rejects after `ms` naming `what`. The
 * bound is there so a broken test fails instead of hanging: make it generous, never a speed requirement.
 */
export async function waitFor(cond: () => boolean, ms: number, what: string, every = 5): Promise<number> {
  const t0 = performance.now()
  while (!cond()) {
    if (performance.now() - t0 > ms) throw new Error(`${what}: not within ${ms} ms`)
    await sleep(every)
  }
  return performance.now() - t0
}

/** Waits until the socket's text matches `pattern` and returns it (rejects with what arrived after `ms`). */
export async function expectText(s: RawSocket, pattern: RegExp, ms = 20_000): Promise<string> {
  const end = performance.now() + ms
  while (!pattern.test(s.got())) {
    if (performance.now() > end) throw new Error(`waited ${ms} ms for ${pattern}; got ${JSON.stringify(s.got().slice(0, 300))}`)
    await sleep(5)
  }
  return s.got()
}

/** The idiomatic app of ./app.ts, listening, with what it logged and reported at `error`. */
export interface Hostile {
  app: App
  port: number
  site: Site
  stream: StreamCounters
  /** Error events: code (if any), category, message. */
  events: Array<{ code: string | undefined; category: string; message: string }>
  /** Log lines at `error` level. */
  errors: Array<Record<string, unknown>>
  /** RSS of this process when the app started. */
  rss0: number
  /**
   * Resolves once the server has read `bytes` bytes from the connection of `client` (its own side's
   * `bytesRead`): the parser has seen them, so a request whose head they hold has been dispatched.
   */
  received(client: Socket, bytes: number): Promise<void>
  /** The server's side of the connection of `client`, while it is open. */
  peer(client: Socket): Socket | undefined
  /** Closes the app and removes the site. */
  close(): Promise<void>
}

/** Builds the idiomatic app over a fresh temporary site and listens on 127.0.0.1:0 (call `close()` in `after`). */
export async function startHostile(options: Parameters<typeof createApp>[0] = {}): Promise<Hostile> {
  const site = makeSite()
  const errors: Array<Record<string, unknown>> = []
  const logger = consoleLogger('error', (line) => errors.push(JSON.parse(line)))
  const { app, stream } = buildApp(site.root, { logger, ...options })
  const events: Hostile['events'] = []
  app.onEvent('error', (err, _c, category) => events.push({ code: (err as { code?: string }).code, category, message: err.message }))
  await app.listen({ port: 0, host: '127.0.0.1' })
  // The server's side of each connection, by the client's port.
  const peers = new Map<number, Socket>()
  app.server!.on('connection', (sock: Socket) => {
    const port = sock.remotePort!
    peers.set(port, sock)
    sock.once('close', () => peers.get(port) === sock && peers.delete(port))
  })
  const received = async (client: Socket, bytes: number) => {
    await waitFor(() => (peers.get(client.localPort!)?.bytesRead ?? 0) >= bytes, 20_000, `the server read ${bytes} bytes`, 2)
  }
  const close = async () => {
    await app.close({ timeout: 200 })
    site.cleanup()
  }
  const peer = (client: Socket) => peers.get(client.localPort!)
  return { app, port: app.port!, site, stream, events, errors, rss0: process.memoryUsage().rss, received, peer, close }
}

/**
 * The check that ends every hostile file: the server still answers `/hello` on a fresh raw connection,
 * and this process's RSS grew by less than `maxGrowthMb` since the app started. The bound is loose on
 * purpose — the process also holds the attacking clients (streams.test.ts grows ~80 MB with its 50-reader
 * worker thread, with a 12 MB heap after a GC); a leak per request shows in scripts/soak.mjs instead.
 */
export async function assertHealthy(h: Hostile, maxGrowthMb = 150): Promise<void> {
  const r = await exchange(h.port, 'GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 20_000)
  assert.equal(statusOf(r.text), 200, r.text.slice(0, 300))
  assert.match(r.text, /\r\n\r\n\{"hello":"world"\}$/)
  const rss = process.memoryUsage().rss
  const grown = (rss - h.rss0) / 1024 / 1024
  assert.ok(grown < maxGrowthMb, `RSS grew ${grown.toFixed(1)} MB (now ${(rss / 1048576).toFixed(0)} MB)`)
}

/** One response parsed out of a raw byte stream. */
export interface Parsed {
  status: number
  head: string
  body: string
}

/**
 * Splits pipelined HTTP/1.1 responses (`Content-Length` or chunked bodies; HEAD answers not supported).
 * Stops at the first incomplete response.
 */
export function splitResponses(text: string): Parsed[] {
  const out: Parsed[] = []
  let at = 0
  while (at < text.length) {
    const end = text.indexOf('\r\n\r\n', at)
    if (end === -1) break
    const head = text.slice(at, end)
    let pos = end + 4
    let body = ''
    const length = /\r\ncontent-length: *(\d+)/i.exec(head)
    if (length) {
      if (text.length < pos + Number(length[1])) break
      body = text.slice(pos, pos + Number(length[1]))
      pos += Number(length[1])
    } else if (/\r\ntransfer-encoding: *chunked/i.test(head)) {
      for (;;) {
        const line = text.indexOf('\r\n', pos)
        if (line === -1) return out
        const size = Number.parseInt(text.slice(pos, line), 16)
        if (text.length < line + 2 + size + 2) return out
        body += text.slice(line + 2, line + 2 + size)
        pos = line + 2 + size + 2
        if (size === 0) break
      }
    }
    out.push({ status: statusOf(head), head, body })
    at = pos
  }
  return out
}
