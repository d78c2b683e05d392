/**
 * Measures a response at its real end — status as written, body bytes (counted for streams), latency,
 * aborted — for `stats()`, `logger()` and `metrics()`, which share one listener per request.
 */
import type { ServerResponse } from 'node:http'
import type { Context } from '../../core/context.js'
import { writtenWhole } from '../../core/http2.js'

/** What a response measured once it ended, or once the client left. */
export interface Finished {
  /** The status as written; `499` (nginx's "client closed request") when the client left before the head. */
  status: number
  /** Body bytes: `Content-Length` of a buffered body, counted for streams and hand-written responses. */
  bytes: number
  /** The connection closed before the response finished. */
  aborted: boolean
  /** Milliseconds from the first measuring middleware to the response's end. */
  latency: number
}

/** Called once per request with the measurement; an exception is logged, never thrown. */
export type OnFinished = (f: Finished, c: Context) => void

const TRACKER = Symbol('weir.measure')

interface Tracker {
  readonly c: Context
  readonly start: number
  readonly done: OnFinished[]
  counted: number
  counting: boolean
  /** Another context on the same response (an app mounted in another through `handler()`). */
  readonly next: Tracker | undefined
}

// Kept on the response, not the context: every response object gets the same property, so reading it is
// a monomorphic load, and the one `close` listener needs no closure per request.
type Tracked = ServerResponse & { [TRACKER]?: Tracker }

/**
 * Calls `done` when the response has been written (Node's `close` after `finish`) or the client left.
 * Call it before `await next()`; the first call of a request starts the clock and adds the one listener.
 *
 * @example
 * onFinished(c, (f) => console.log(f.status, f.bytes, f.latency))
 * try { await next() } finally { countBody(c) }
 */
export function onFinished(c: Context, done: OnFinished): void {
  const res = c.raw.res as Tracked
  const first = res[TRACKER]
  const t = trackerOf(res, c)
  if (t !== undefined) return void t.done.push(done)
  res[TRACKER] = { c, start: performance.now(), done: [done], counted: 0, counting: false, next: first }
  // `on`, not `once`: Node emits `close` once per response, and `once` allocates a wrapper per request.
  if (first === undefined) res.on('close', onClose)
}

function trackerOf(res: Tracked, c: Context): Tracker | undefined {
  let t = res[TRACKER]
  while (t !== undefined && t.c !== c) t = t.next
  return t
}

function onClose(this: Tracked): void {
  for (let t = this[TRACKER]; t !== undefined; t = t.next) settle(t.c, t)
}

/**
 * Call after `await next()` (in a `finally`): when the body is a stream or the handler writes `c.raw.res`
 * itself, counts the bytes actually written. Buffered bodies cost nothing: their size is `Content-Length`.
 *
 * @example
 * try { await next() } finally { countBody(c) }
 */
export function countBody(c: Context): void {
  const t = trackerOf(c.raw.res, c)
  if (t === undefined || t.counting) return
  const body = c.res.body
  if (!c.res.bypass && (body === null || typeof body === 'string' || body instanceof Uint8Array)) return
  t.counting = true
  const res = c.raw.res
  const write = res.write
  const end = res.end
  res.write = function (this: ServerResponse, chunk: unknown, ...rest: unknown[]) {
    t.counted += byteSize(chunk, rest[0])
    return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest)
  } as typeof res.write
  res.end = function (this: ServerResponse, ...args: unknown[]) {
    if (args[0] != null && typeof args[0] !== 'function') t.counted += byteSize(args[0], args[1])
    return (end as (...a: unknown[]) => ServerResponse).apply(this, args)
  } as typeof res.end
}

function settle(c: Context, t: Tracker): void {
  const res = c.raw.res
  const aborted = !writtenWhole(res)
  const status = !res.headersSent && aborted ? 499 : res.statusCode
  const f: Finished = { status, bytes: bytesOf(c, res, t, aborted), aborted, latency: performance.now() - t.start }
  for (const done of t.done) {
    try {
      done(f, c)
    } catch (err) {
      c.log.error({ err, code: 'ERR_STATS_CALLBACK_FAILED' }, 'A stats, metrics or access-log callback threw; it was skipped')
    }
  }
}

function bytesOf(c: Context, res: ServerResponse, t: Tracker, aborted: boolean): number {
  const s = res.statusCode
  // A WebSocket session (weir/ws): what it sent on the connection, handshake included.
  if (s === 101) return c.raw.req.socket?.bytesWritten ?? 0
  if (t.counting) return t.counted
  if (!res.headersSent || c.req.method === 'HEAD') return 0
  if (s === 204 || s === 304 || s < 200) return 0
  const len = c.res.headers['content-length'] ?? res.getHeader('content-length')
  const n = Number(len)
  return Number.isFinite(n) && !aborted ? n : 0
}

function byteSize(chunk: unknown, encoding: unknown): number {
  if (typeof chunk === 'string') return Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8')
  if (chunk instanceof Uint8Array) return chunk.byteLength
  return 0
}
