// Shared by the real-socket stream tests: apps on 127.0.0.1:0, raw sockets, waiting with a deadline.
import { type Socket, connect } from 'node:net'
import { after } from 'node:test'
import { type App, type AppOptions, createApp } from '../../src/index.js'
import { consoleLogger } from '../../src/utils/console-logger.js'

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** An app on a free port, closed when the test file ends, with its log lines collected. */
export async function start(setup: (app: App) => void, opts: AppOptions = {}): Promise<App & { logs: Array<Record<string, unknown>> }> {
  const logs: Array<Record<string, unknown>> = []
  const app = createApp({ mode: 'test', logger: consoleLogger('debug', (l) => logs.push(JSON.parse(l))), ...opts })
  setup(app)
  await app.listen({ port: 0, host: '127.0.0.1' })
  after(() => app.close({ timeout: 100 }))
  return Object.assign(app, { logs })
}

/** Opens a socket, sends a raw request, and collects what arrives (latin1) in `out.text`. */
export async function open(port: number, request: string): Promise<{ socket: Socket; out: { text: string; bytes: number } }> {
  const socket = connect(port, '127.0.0.1')
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('error', reject)
  })
  const out = { text: '', bytes: 0 }
  socket.on('data', (d: Buffer) => {
    out.bytes += d.length
    if (out.text.length < 1_000_000) out.text += d.toString('latin1')
  })
  socket.on('error', () => {})
  socket.write(request)
  return { socket, out }
}

/** Sends a raw request and resolves with everything until the server closes (or `ms` passes). */
export function raw(port: number, request: string, ms = 2000): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1')
    let out = ''
    const done = () => {
      clearTimeout(t)
      s.destroy()
      resolve(out)
    }
    const t = setTimeout(done, ms)
    s.on('data', (d) => {
      out += d.toString('latin1')
    })
    s.on('close', done)
    s.on('error', done)
    s.write(request)
  })
}

/** Polls `cond` every `every` ms; resolves with the time it took, or rejects after `ms`. Prefer {@link until}. */
export async function within(ms: number, cond: () => boolean, what: string, every = 2): Promise<number> {
  const t0 = performance.now()
  while (!cond()) {
    if (performance.now() - t0 > ms) throw new Error(`${what}: not within ${ms} ms`)
    await sleep(every)
  }
  return performance.now() - t0
}

/**
 * Resolves once `cond` holds (polled every 10 ms). The 20 s bound only keeps a broken test from hanging: a
 * test waits for what it expects and never asserts how fast it came, so a loaded machine cannot fail it.
 */
export const until = (cond: () => boolean, what = 'condition') => within(20_000, cond, what, 10)

export const GET = (path: string, extra = '') => `GET ${path} HTTP/1.1\r\nHost: x\r\n${extra}\r\n`
