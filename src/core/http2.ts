/** HTTP/2 through Node's compatibility API: request headers as users expect them, limits, sessions and their close. */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http'
import { type Http2SecureServer, type Http2Server, Http2ServerRequest, type SecureServerOptions, type ServerHttp2Session } from 'node:http2'
import type { HeaderValue } from './response.js'

/**
 * HTTP/2 limits of a server made by `listen({ http2 })` (`createApp({ server: { http2 } })`). Every field is
 * a positive integer; see docs/https.md.
 */
export interface Http2Limits {
  /** Streams a client may have open at once on one session (SETTINGS_MAX_CONCURRENT_STREAMS). Default `100`. */
  maxConcurrentStreams?: number
  /** Largest request header list, bytes (SETTINGS_MAX_HEADER_LIST_SIZE). Default `server.maxHeaderSize`, else 16 KiB. */
  maxHeaderListSize?: number
  /** A session with no open stream for this long is closed with GOAWAY, ms. Default `30_000`. */
  idleTimeout?: number
  /** Invalid frames a session may send before it is closed. Default `100` (Node: 1000). */
  maxSessionInvalidFrames?: number
  /** Streams refused (past `maxConcurrentStreams`) before the session is closed. Default `100`. */
  maxSessionRejectedStreams?: number
  /** Pings sent and not yet answered. Default `10`. */
  maxOutstandingPings?: number
  /** Entries in one SETTINGS frame. Default `32`. */
  maxSettings?: number
  /** Memory one session may use for its frames and headers, megabytes. Default `10`. */
  maxSessionMemory?: number
}

/** Resolved limits: the Node server options and the idle timeout weir runs itself. */
export interface H2Settings {
  server: SecureServerOptions
  idleTimeout: number
}

const DEFAULTS = {
  maxConcurrentStreams: 100,
  idleTimeout: 30_000,
  maxSessionInvalidFrames: 100,
  maxSessionRejectedStreams: 100,
  maxOutstandingPings: 10,
  maxSettings: 32,
  maxSessionMemory: 10,
} as const

/** Resolves and checks the limits; a value that is not a positive integer throws `TypeError`. */
export function http2Settings(limits: Http2Limits = {}, maxHeaderSize?: number): H2Settings {
  const get = (name: keyof Http2Limits, fallback: number): number => {
    const v = limits[name] ?? fallback
    if (!Number.isInteger(v) || v <= 0) throw new TypeError(`server.http2.${name} must be a positive integer, got ${JSON.stringify(v)}`)
    return v
  }
  return {
    idleTimeout: get('idleTimeout', DEFAULTS.idleTimeout),
    server: {
      settings: {
        maxConcurrentStreams: get('maxConcurrentStreams', DEFAULTS.maxConcurrentStreams),
        maxHeaderListSize: get('maxHeaderListSize', maxHeaderSize ?? 16 * 1024),
      },
      maxSessionInvalidFrames: get('maxSessionInvalidFrames', DEFAULTS.maxSessionInvalidFrames),
      maxSessionRejectedStreams: get('maxSessionRejectedStreams', DEFAULTS.maxSessionRejectedStreams),
      maxOutstandingPings: get('maxOutstandingPings', DEFAULTS.maxOutstandingPings),
      maxSettings: get('maxSettings', DEFAULTS.maxSettings),
      maxSessionMemory: get('maxSessionMemory', DEFAULTS.maxSessionMemory),
    },
  }
}

/**
 * The server's HTTP/2 sessions: each is closed (GOAWAY) after `idle` ms without an open stream, and on a
 * graceful close; cut on the close's timeout.
 */
export class H2Sessions {
  readonly #sessions = new Set<ServerHttp2Session>()
  readonly #idle: number
  #closing = false

  constructor(server: Http2SecureServer | Http2Server, idle: number) {
    this.#idle = idle
    server.on('session', (session) => this.#add(session))
  }

  /** Starts the graceful close: GOAWAY to every session; streams in flight finish, new ones are refused. */
  closeIdle(): void {
    if (this.#closing) return
    this.#closing = true
    for (const session of this.#sessions) goaway(session)
  }

  /** Cuts every session and its streams. */
  closeAll(): void {
    this.#closing = true
    for (const session of this.#sessions) session.destroy()
  }

  #add(session: ServerHttp2Session): void {
    this.#sessions.add(session)
    let open = 0
    // One timer per session, made once and restarted (`refresh`) when its last stream closes: no timer is
    // made or cleared per stream. Firing while a stream is open does nothing; that stream's close restarts it.
    const timer = setTimeout(() => open === 0 && goaway(session), this.#idle).unref()
    const closed = (): void => {
      if (--open === 0 && !session.closed) timer.refresh()
    }
    session.on('stream', (stream) => {
      open++
      stream.on('close', closed)
    })
    session.once('close', () => {
      clearTimeout(timer)
      this.#sessions.delete(session)
    })
    // Errors on a session (a flood, a bad frame) are the client's: Node closes it; nothing to throw.
    session.on('error', () => {})
    // A connection accepted just before the close began still gets its GOAWAY.
    if (this.#closing) goaway(session)
  }
}

/** GOAWAY (NO_ERROR), then close once the open streams are done. */
function goaway(session: ServerHttp2Session): void {
  if (session.closed || session.destroyed) return
  session.close()
}

/** Whether a request or response is Node's HTTP/2 compatibility object (not HTTP/1 text claiming `HTTP/2.0`). */
export function isHttp2(o: IncomingMessage | ServerResponse): boolean {
  return (o as { stream?: unknown }).stream !== undefined
}

/** Request headers without pseudo-headers, with `host` from `:authority` when the client sent none. */
function plainHeaders(src: IncomingHttpHeaders): IncomingHttpHeaders {
  const headers: IncomingHttpHeaders = {}
  for (const name in src) if (name.charCodeAt(0) !== 58 /* : */ && name !== '__proto__') headers[name] = src[name]
  const authority = src[':authority']
  if (headers.host === undefined && typeof authority === 'string') headers.host = authority
  return headers
}

/** `rawHeaders` without pseudo-headers, with `host` from `:authority` when the client sent none. */
function plainRawHeaders(src: string[], authority: unknown, hasHost: boolean): string[] {
  const raw: string[] = []
  for (let i = 0; i < src.length; i += 2) if (src[i]!.charCodeAt(0) !== 58) raw.push(src[i]!, src[i + 1]!)
  if (!hasHost && typeof authority === 'string') raw.push('host', authority)
  return raw
}

// Node's own accessors (the typings declare them as plain fields, so `super.headers` does not type-check).
const NODE_HEADERS = accessor('headers')
const NODE_RAW_HEADERS = accessor('rawHeaders')

function accessor(name: 'headers' | 'rawHeaders'): () => never {
  const get = Object.getOwnPropertyDescriptor(Http2ServerRequest.prototype, name)?.get
  if (get === undefined) throw new Error(`node:http2: Http2ServerRequest has no ${name} accessor`)
  return get as () => never
}

/**
 * The request class of the HTTP/2 servers `listen` makes: `headers` and `rawHeaders` as an HTTP/1.1
 * request has them (no pseudo-headers, `host` from `:authority`, RFC 9113 §8.3.1), made on first read.
 * Node's own getters (`method`, `url`, `authority`) keep reading the original fields. @internal
 */
export class WeirHttp2Request extends (Http2ServerRequest as new (...args: ConstructorParameters<typeof Http2ServerRequest>) => object) {
  #headers: IncomingHttpHeaders | undefined
  #raw: string[] | undefined

  get headers(): IncomingHttpHeaders {
    this.#headers ??= plainHeaders(NODE_HEADERS.call(this))
    return this.#headers
  }

  set headers(value: IncomingHttpHeaders) {
    this.#headers = value
  }

  get rawHeaders(): string[] {
    if (this.#raw !== undefined) return this.#raw
    const src: IncomingHttpHeaders = NODE_HEADERS.call(this)
    this.#raw = plainRawHeaders(NODE_RAW_HEADERS.call(this), src[':authority'], src.host !== undefined)
    return this.#raw
  }

  set rawHeaders(value: string[]) {
    this.#raw = value
  }
}

/**
 * For a request that came over HTTP/2 (`false` for any other), makes it look like an HTTP/1.1 one to
 * everything after it, as {@link WeirHttp2Request} does: for servers made by the user (`app.handler()`),
 * whose requests are Node's own class.
 */
export function adoptHttp2(req: IncomingMessage): boolean {
  if (req instanceof WeirHttp2Request) return true
  if (!isHttp2(req)) return false
  const src = req.headers
  const headers = plainHeaders(src)
  const raw = plainRawHeaders(req.rawHeaders, src[':authority'], src.host !== undefined)
  Object.defineProperty(req, 'headers', { value: headers, writable: true, configurable: true, enumerable: true })
  Object.defineProperty(req, 'rawHeaders', { value: raw, writable: true, configurable: true, enumerable: true })
  return true
}

/** HTTP/1.1 connection-specific fields: an HTTP/2 response must not carry them (RFC 9113 §8.2.2). */
const CONNECTION_FIELDS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection'])

/** Drops connection-specific fields (any case) from response headers about to be written on HTTP/2. */
export function dropConnectionFields(headers: Record<string, HeaderValue>): void {
  for (const name in headers) {
    const key = name.toLowerCase()
    if (CONNECTION_FIELDS.has(key) || (key === 'te' && headers[name] !== 'trailers')) delete headers[name]
  }
}

/**
 * Whether a response was written to its end. Node's HTTP/2 compatibility response also reports
 * `writableFinished` (and emits `finish`) for a stream the client reset; its stream's `aborted` tells them apart.
 */
export function writtenWhole(res: ServerResponse): boolean {
  return res.writableFinished && (res as { stream?: { aborted?: boolean } }).stream?.aborted !== true
}
