/** The one step that writes a context's response to the socket, after the middleware chain has unwound. */
import type { ServerResponse } from 'node:http'
import { Readable, Transform, type TransformCallback, pipeline } from 'node:stream'
import type { Context } from './context.js'
import type { HeaderValue } from './response.js'
import type { ResponseBody } from './types.js'
import { wantsFlush } from '../stream/flush.js'
import { dropConnectionFields, isHttp2, writtenWhole } from './http2.js'

/** Told when a response has been written, or failed while streaming. */
export interface Finisher {
  finished(c: Context, err?: Error): void
  /** A streamed body failed before its first byte: nothing was sent, so the error can still be answered. */
  failedEarly(c: Context, err: Error): void
  /** Writing the head threw (an invalid header set on `c.res.headers` directly). */
  respondFailed(c: Context, err: Error): void
}

type StreamBody = Exclude<ResponseBody, string | Uint8Array | null>

const TEXT_TYPE = 'text/plain; charset=utf-8'
const BYTES_TYPE = 'application/octet-stream'

/**
 * Writes status, headers and body once. Buffered bodies get `Content-Length`; streams are piped with
 * backpressure. HEAD and bodiless statuses (1xx, 204, 304) send no body and stop any stream unread.
 * Does nothing if a handler took over `c.raw.res` (`c.res.bypass`); ends a response whose head something
 * else already wrote. On HTTP/2, connection-specific headers (`Connection`, `Transfer-Encoding`, …) are dropped.
 */
export function respond(c: Context, fin: Finisher): void {
  const state = c.res
  if (state.sent) return
  state.sent = true
  const res = c.raw.res
  if (state.bypass || res.writableEnded) return fin.finished(c)
  // Something wrote the head without taking the response over (`bypass`): nothing weir holds can follow
  // it, but the response must end, or the client waits for a body until its own timeout.
  if (res.headersSent) {
    res.end()
    return fin.finished(c)
  }
  const { status, headers } = state
  // HTTP/2 has no connection-specific fields: drop any a handler set (`Connection: close`) here, once.
  if (c.raw.req.httpVersionMajor === 2 && isHttp2(res)) dropConnectionFields(headers)
  const body = state.body
  if (status === 204 || status === 304 || status < 200) return bodiless(c, res, status, headers, body, fin)
  if (typeof body === 'string') return buffered(c, res, status, headers, body, Buffer.byteLength(body), TEXT_TYPE, fin)
  if (body instanceof Uint8Array) return buffered(c, res, status, headers, body, body.byteLength, BYTES_TYPE, fin)
  if (body === null) return buffered(c, res, status, headers, null, 0, undefined, fin)
  streamed(c, res, status, headers, body, fin)
}

function buffered(
  c: Context,
  res: ServerResponse,
  status: number,
  headers: Record<string, HeaderValue>,
  body: string | Uint8Array | null,
  length: number,
  type: string | undefined,
  fin: Finisher,
): void {
  headers['content-length'] = length
  if (type !== undefined && headers['content-type'] === undefined) headers['content-type'] = type
  res.writeHead(status, headers)
  if (body === null || c.req.method === 'HEAD') res.end()
  else res.end(body)
  fin.finished(c)
}

function bodiless(
  c: Context,
  res: ServerResponse,
  status: number,
  headers: Record<string, HeaderValue>,
  body: ResponseBody,
  fin: Finisher,
): void {
  // RFC 9110 §15.3.5: a 204 has no content, so no Content-Length or Content-Type either.
  if (status === 204) {
    delete headers['content-length']
    delete headers['content-type']
  }
  if (body !== null && typeof body === 'object' && !(body instanceof Uint8Array)) stop(body)
  res.writeHead(status, headers)
  res.end()
  fin.finished(c)
}

function streamed(
  c: Context,
  res: ServerResponse,
  status: number,
  headers: Record<string, HeaderValue>,
  body: StreamBody,
  fin: Finisher,
): void {
  if (c.req.method === 'HEAD') {
    // Never run a (possibly endless) source for a HEAD: answer the headers and stop it unread.
    stop(body)
    res.writeHead(status, headers)
    res.end()
    return fin.finished(c)
  }
  if (headers['content-type'] === undefined) headers['content-type'] = BYTES_TYPE
  const source = toReadable(body)
  // A flushed body (SSE) sends its head now: the client learns the stream is open before the first event.
  if (wantsFlush(body)) return pipeTo(c, res, status, headers, source, true, fin)
  // Others wait for their first chunk (Node would not send the head before it anyway), so a source that
  // fails before its first byte is answered as an error, not with a 200 that then breaks.
  firstChunk(source, res, (outcome) => {
    if (outcome === undefined) {
      try {
        pipeTo(c, res, status, headers, source, false, fin)
      } catch (err) {
        // writeHead refused a header (set on c.res.headers directly), as it would for a buffered body.
        source.destroy()
        fin.respondFailed(c, err as Error)
      }
    } else if (outcome === GONE) {
      source.destroy()
      afterClose(source, () => fin.finished(c, clientGone(new Error('closed before the first chunk'))))
    } else fin.failedEarly(c, outcome)
  })
}

function pipeTo(c: Context, res: ServerResponse, status: number, headers: Record<string, HeaderValue>, source: Readable, flush: boolean, fin: Finisher): void {
  res.writeHead(status, headers)
  // (In-memory requests resolve on writeHead anyway, and their stand-in has no flushHeaders.)
  if (flush && typeof res.flushHeaders === 'function') res.flushHeaders()
  const gone = watchClient(res, source)
  pipeline(source, new Fair(), res, (err) => {
    if (!err) return fin.finished(c)
    afterClose(source, () => fin.finished(c, gone() ? clientGone(err) : err))
  })
}

/**
 * Runs `fn` once a destroyed source has finished tearing down: a generator's `return()` (its `finally`) is
 * asynchronous, and `pipeline` calls back before it ran. A graceful close waits for this.
 */
function afterClose(source: Readable, fn: () => void): void {
  if (source.closed) fn()
  else source.once('close', fn)
}

const GONE = Symbol('client gone')

/** Calls `done` once `source` has data or has ended (`undefined`), failed (the error), or the client left. */
function firstChunk(source: Readable, res: ServerResponse, done: (outcome: Error | typeof GONE | undefined) => void): void {
  if (source.readableLength > 0 || source.readableEnded || source.destroyed) return done(undefined)
  const settle = (outcome: Error | typeof GONE | undefined): void => {
    source.off('readable', onReadable).off('error', onError).off('close', onClose)
    res.off('close', onGone)
    done(outcome)
  }
  const onReadable = () => settle(undefined)
  const onError = (err: Error) => settle(err)
  const onClose = () => settle(undefined) // destroyed without an error: the pipeline reports it
  const onGone = () => settle(GONE)
  source.on('readable', onReadable).on('error', onError).on('close', onClose)
  res.on('close', onGone)
}

function watchClient(res: ServerResponse, source: Readable): () => boolean {
  let gone = false
  res.once('close', () => {
    gone = !writtenWhole(res) && !source.errored
  })
  return () => gone
}

function clientGone(cause: Error): Error {
  return Object.assign(new Error('The client closed the connection during a streamed response', { cause }), { code: 'ERR_CLIENT_GONE' })
}

const YIELD_BYTES = 16 * 1024

/**
 * Fairness: when the socket takes every write at once (a fast local client), a synchronous or
 * microtask-only source refills it from `nextTick` and starves every other request. A stream that has
 * written `YIELD_BYTES` within one turn of the event loop waits for `setImmediate`, so I/O runs in
 * between; sources that wait for I/O themselves (files, sockets) start a new turn with each chunk and never
 * wait. (Pausing the source instead does not work: `pipe` resumes it on the next `drain`.)
 */
class Fair extends Transform {
  #bytes = 0
  #turn = -1

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    const t = loopTurn()
    if (t !== this.#turn) {
      this.#turn = t
      this.#bytes = 0
    }
    this.#bytes += chunk.length
    if (this.#bytes < YIELD_BYTES) return cb(null, chunk)
    setImmediate(() => {
      if (!this.destroyed) cb(null, chunk)
    })
  }
}

let turn = 0
let counting = false

/** A number that changes once per event-loop turn (a `setImmediate` is queued only while someone asks). */
function loopTurn(): number {
  if (!counting) {
    counting = true
    setImmediate(() => {
      turn++
      counting = false
    })
  }
  return turn
}

/** A Node Readable for any stream body, without buffering ahead of the consumer. */
export function toReadable(body: StreamBody): Readable {
  if (body instanceof Readable) return body
  if (body instanceof ReadableStream) return Readable.fromWeb(body as import('node:stream/web').ReadableStream)
  return Readable.from(body as AsyncIterable<string | Uint8Array>, { objectMode: false })
}

/** Stops a stream body that will not be read: destroys it, cancels it, or returns its iterator. */
export function stop(body: StreamBody): void {
  if (body instanceof Readable) body.destroy()
  else if (body instanceof ReadableStream) body.cancel().catch(() => {})
  else {
    const it = body as { return?: () => unknown }
    if (typeof it.return === 'function') Promise.resolve(it.return()).catch(() => {})
  }
}
