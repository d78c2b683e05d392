/** The request inspector: in debug mode, a page at `/_weir` showing every request live — bodies, logs, errors, charts. */
import type { Context } from '../../core/context.js'
import type { Middleware, Next } from '../../core/types.js'
import { type Finished, countBody, onFinished } from '../stats/index.js'
import { watchBody, head, joined } from './body.js'
import { Ring, Stats } from './buffer.js'
import { type Entry, RequestLog, isTextual, keepError, newEntry } from './entry.js'
import { Hub } from './hub.js'
import { type Served, allowed, serve } from './serve.js'

export { isLoopback, isLoopbackHost } from './serve.js'

/** Options of {@link inspector}. */
export interface InspectorOptions {
  /** Where the page is served. Default `'/_weir'`. */
  path?: string
  /** Requests kept (oldest dropped first). Default `200`. */
  maxRequests?: number
  /** Body bytes kept over all requests; past it the oldest requests are dropped. Default `8 MiB`. */
  maxBodyBytes?: number
  /** Bytes kept of each request or response body; the rest is counted, not kept. Default `64 KiB`. */
  maxBodySize?: number
  /**
   * Lets clients other than loopback in when they present it (`Authorization: Bearer <token>`, or open
   * the page once with `?token=<token>`, which sets a cookie). At least 16 characters. Default: none —
   * loopback only.
   */
  token?: string
  /** Requests not recorded (health probes, say). Default: none. */
  skip?: (c: Context) => boolean
}

/**
 * Records every request in debug mode and serves a live page of them at `path` (default `/_weir`):
 * a table updated over SSE, each request's headers, bodies (redacted like the access log), log lines,
 * error and timing, and charts. In release and test mode it only calls `next()` (and says so once in the
 * log): nothing is recorded or served. Only loopback clients see the page unless a `token` is given;
 * anyone else gets the app's own answer for that path, as if the inspector did not exist.
 * Register it early (first), so it sees what the other middleware do.
 *
 * @example
 * const app = createApp()
 * app.use(inspector())             // http://127.0.0.1:3000/_weir in debug mode
 * app.use(...recommended())
 */
export function inspector(options: InspectorOptions = {}): Middleware {
  const o = resolve(options)
  const ring = new Ring<Entry>(o.maxRequests, o.maxBodyBytes)
  const stats = new Stats()
  let inFlight = 0
  const hub = new Hub(stats, ring, () => inFlight, o.maxRequests)
  const served: Served = { base: o.path, token: o.token, ring, hub, maxBodySize: o.maxBodySize, inFlight: () => inFlight }
  const finish = (e: Entry, f: Finished, c: Context): void => {
    finished(e, f, c, o.maxBodySize)
    inFlight--
    ring.settle(e)
    stats.add(e.route, f.status, f.latency)
    hub.changed(e)
  }
  let seq = 0
  let off = false
  // Not async: off (release and test mode), a request costs one check and no promise of its own.
  return function inspector(c, next) {
    if (off || c.mode !== 'debug') {
      if (!off) c.appLog.info({ code: 'INSPECTOR_OFF', mode: c.mode }, `inspector(): off in ${c.mode} mode; nothing is recorded or served`)
      off = true
      return next()
    }
    const path = c.req.path
    if (path.startsWith(o.path) && (path.length === o.path.length || path[o.path.length] === '/') && allowed(c, o.token)) {
      return serve(c, served, path.slice(o.path.length))
    }
    if (o.skip?.(c)) return next()
    return record(c, next, ++seq)
  }

  async function record(c: Context, next: Next, id: number): Promise<void> {
    const e = newEntry(id, c)
    ring.push(e)
    inFlight++
    hub.changed(e)
    c.log = new RequestLog(c, e)
    onFinished(c, (f) => finish(e, f, c))
    const end = watchBody(c, e, o.maxBodySize)
    try {
      await next()
      end()
    } catch (err) {
      keepError(e, err)
      throw err
    } finally {
      countBody(c)
      if (c.res.bypass) e.streamed = true
      if (c.raw.req.readableDidRead) await keepRequestBody(c, e, o.maxBodySize)
    }
  }
}

function resolve(options: InspectorOptions) {
  const path = options.path ?? '/_weir'
  if (typeof path !== 'string' || !/^\/[\w\-./~]*[^/]$/.test(path)) throw new TypeError(`inspector(): path must start with / and not end with /, got ${JSON.stringify(path)}`)
  const int = (v: number | undefined, name: string, def: number): number => {
    if (v === undefined) return def
    if (!Number.isInteger(v) || v < 1) throw new TypeError(`inspector(): ${name} must be a positive integer, got ${v}`)
    return v
  }
  if (options.token !== undefined && (typeof options.token !== 'string' || options.token.length < 16)) {
    throw new TypeError('inspector(): token must be a string of at least 16 characters')
  }
  if (options.skip !== undefined && typeof options.skip !== 'function') throw new TypeError('inspector(): skip must be a function')
  return {
    path,
    token: options.token,
    skip: options.skip,
    maxRequests: int(options.maxRequests, 'maxRequests', 200),
    maxBodyBytes: int(options.maxBodyBytes, 'maxBodyBytes', 8 << 20),
    maxBodySize: int(options.maxBodySize, 'maxBodySize', 64 << 10),
  }
}

// The body as the handler read it through c.req (cached by the reader: nothing is read twice).
async function keepRequestBody(c: Context, e: Entry, max: number): Promise<void> {
  try {
    const body = await c.req.bytes()
    e.reqBody = body.length > max ? (head(body, max) as Uint8Array) : body
    e.reqSize = body.byteLength
    e.reqType = c.req.header('content-type')
  } catch {
    // Read through c.raw or streamed by the handler: nothing kept.
  }
}

// From rawHeaders: reading c.raw.req.headers would build Node's header object for this alone.
function contentLength(raw: string[]): number {
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const k = raw[i]!
    if (k.length === 14 && k.toLowerCase() === 'content-length') return Number(raw[i + 1]) || 0
  }
  return 0
}

/** Fills in what is known once the response has ended. */
function finished(e: Entry, f: Finished, c: Context, max: number): void {
  e.status = f.status
  e.latency = Math.round(f.latency * 1000) / 1000
  e.aborted = f.aborted
  e.route = c.route
  e.requestId = c.requestId
  e.resSize = f.bytes
  if (e.reqBody === undefined) e.reqSize = contentLength(e.rawHeaders)
  // What respond wrote (it completes c.res.headers with the length and type, then writeHead()s them).
  const headers = c.raw.res.headersSent ? c.res.headers : undefined
  e.resHeaders = headers
  const type = headers?.['content-type']
  e.resType = type === undefined ? undefined : String(type)
  let body = e.chunks !== undefined ? joined(e.chunks) : e.resBody
  e.chunks = undefined
  // Not taken (the chain threw): the error answer written after it.
  const sent = c.res.body
  if (body === undefined && !e.streamed && (typeof sent === 'string' || sent instanceof Uint8Array)) body = sent
  // Binary bodies are only sized.
  if (body !== undefined && e.resType !== undefined && !isTextual(e.resType)) body = undefined
  if (body !== undefined && body.length > max) {
    e.resBody = head(body, max)
    e.resTruncated = true
  } else e.resBody = body
  e.bodyBytes = (e.reqBody?.byteLength ?? 0) + (e.resBody?.length ?? 0)
}
