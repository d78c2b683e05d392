/** The options of `websocket()`, their defaults (bounded), and their checks, made once in the factory. */
import type { StandardSchemaV1 } from '@standard-schema/spec'
import type { Context } from '../../core/context.js'
import type { Fanout } from './fanout.js'

/** Options of `websocket()`. Every limit is on by default; raise it deliberately. */
export interface WebSocketOptions {
  /** Largest message accepted, bytes (after inflating); a bigger one closes the socket with 1009. Default `1 << 20` (1 MiB; ws's own default is 100 MiB). */
  maxPayload?: number
  /** WebSockets open at once through this handler; over it the upgrade is refused with 503 `ERR_WS_TOO_MANY` before the handshake. Default `10_000`. */
  maxConnections?: number
  /** WebSockets open at once per client address (`c.req.ip`); over it 429 `ERR_WS_TOO_MANY_PER_IP`. Default `100`. */
  maxConnectionsPerIp?: number
  /** Ping every this many ms; a peer that answered none of the last two pings is terminated. `0` turns it off. Default `30_000`. */
  heartbeat?: number
  /** permessage-deflate (RFC 7692). Default `false`. `true` = `{ threshold: 1024, windowBits: 12 }`. */
  deflate?: boolean | { threshold?: number; windowBits?: number }
  /** `ws.send()` resolves once the socket buffers less than this, bytes. Default `1 << 20` (1 MiB). */
  maxBuffered?: number
  /** A client that stays slow: `'close'` (1013 once over 4 × `maxBuffered`) or `'drop'` (messages sent while over `maxBuffered` are dropped). Default `'close'`. */
  slow?: 'close' | 'drop'
  /** Refuse (403 `ERR_WS_ORIGIN`) a cookie-carrying upgrade whose `Origin` is not this host nor in `origins`. Default `true`. */
  checkOrigin?: boolean
  /** Other origins allowed, exactly as browsers send them: `'https://app.example.com'`. Default `[]`. */
  origins?: string[]
  /** Messages held while an async `open()` runs (or an async `schema` check); one more closes with 1008. Default `64`. */
  maxQueued?: number
  /** Relays `broadcast()` to the route's rooms on other processes, e.g. `redisFanout()`. Default none (this process only). */
  fanout?: Fanout
  /**
   * How a text message reaches `message()`: `'string'`, decoded; or `'buffer'`, the UTF-8 bytes as received
   * (already checked to be valid UTF-8), for a relay that passes messages on unread: sending them back with
   * `ws.send(data, { binary: false })` skips a decode and an encode per message. Default `'string'`.
   */
  text?: 'string' | 'buffer'
  /** Leave this request alone (call `next()`). */
  skip?: (c: Context) => boolean
}

/** Options of `websocket()` whose text messages arrive as Buffers (`text: 'buffer'`). */
export interface BufferTextOptions extends WebSocketOptions {
  text: 'buffer'
}

/** Options of `websocket()` with a message schema: messages are JSON, checked by `schema` before `message()`. */
export interface SchemaOptions<S extends StandardSchemaV1> extends Omit<WebSocketOptions, 'text'> {
  /** Any Standard Schema validator (zod, valibot, arktype); `message()` gets its output. */
  schema: S
  /** A message that fails: `'reply'` sends `{ error: { code: 'ERR_WS_INVALID_MESSAGE', message, issues } }` and keeps the socket; `'close'` closes it with 1008. Default `'reply'`. */
  invalid?: 'reply' | 'close'
}

/** The options once checked, defaults applied. @internal */
export interface Resolved {
  maxPayload: number
  maxConnections: number
  maxConnectionsPerIp: number
  heartbeat: number
  perMessageDeflate: false | Record<string, unknown>
  maxBuffered: number
  slow: 'close' | 'drop'
  checkOrigin: boolean
  origins: ReadonlySet<string>
  maxQueued: number
  fanout: Fanout | undefined
  schema: StandardSchemaV1 | undefined
  invalid: 'reply' | 'close'
  text: 'string' | 'buffer'
  skip: ((c: Context) => boolean) | undefined
}

/** Applies the defaults; a bad option throws `TypeError`. @internal */
export function resolveOptions(o: WebSocketOptions & Partial<SchemaOptions<StandardSchemaV1>> = {}): Resolved {
  const r: Resolved = {
    maxPayload: positive('maxPayload', o.maxPayload ?? 1 << 20),
    maxConnections: positive('maxConnections', o.maxConnections ?? 10_000),
    maxConnectionsPerIp: positive('maxConnectionsPerIp', o.maxConnectionsPerIp ?? 100),
    heartbeat: o.heartbeat === 0 ? 0 : positive('heartbeat', o.heartbeat ?? 30_000),
    perMessageDeflate: deflate(o.deflate ?? false),
    maxBuffered: positive('maxBuffered', o.maxBuffered ?? 1 << 20),
    slow: o.slow ?? 'close',
    checkOrigin: o.checkOrigin ?? true,
    origins: new Set(o.origins ?? []),
    maxQueued: positive('maxQueued', o.maxQueued ?? 64),
    fanout: o.fanout,
    schema: o.schema,
    invalid: o.invalid ?? 'reply',
    text: o.text ?? 'string',
    skip: o.skip,
  }
  if (r.schema !== undefined && typeof r.schema?.['~standard']?.validate !== 'function') throw new TypeError('websocket: schema must be a Standard Schema validator (zod, valibot, arktype, …)')
  if (r.invalid !== 'reply' && r.invalid !== 'close') throw new TypeError(`websocket: invalid must be 'reply' or 'close', got ${String(o.invalid)}`)
  if (r.text !== 'string' && r.text !== 'buffer') throw new TypeError(`websocket: text must be 'string' or 'buffer', got ${String(o.text)}`)
  if (r.text === 'buffer' && r.schema !== undefined) throw new TypeError("websocket: text: 'buffer' cannot go with a schema (messages are parsed as JSON text)")
  if (r.fanout !== undefined && typeof r.fanout?.attach !== 'function') throw new TypeError('websocket: fanout must be a Fanout, e.g. redisFanout()')
  if (r.slow !== 'close' && r.slow !== 'drop') throw new TypeError(`websocket: slow must be 'close' or 'drop', got ${String(o.slow)}`)
  if (!Array.isArray(o.origins ?? [])) throw new TypeError('websocket: origins must be an array of origins')
  if (r.skip !== undefined && typeof r.skip !== 'function') throw new TypeError('websocket: skip must be a function (c) => boolean')
  return r
}

function positive(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) throw new TypeError(`websocket: ${name} must be a positive integer, got ${v}`)
  return v
}

// Window bits bound each connection's zlib memory (about 2^(bits+2) bytes to deflate); ws defaults to 15.
// The client's window is not limited: with a number there, ws refuses (400) every client that does not offer
// client_max_window_bits (Firefox among them) instead of declining the extension (RFC 7692 §7.1.2.2).
function deflate(d: WebSocketOptions['deflate']): Resolved['perMessageDeflate'] {
  if (d === false) return false
  const { threshold = 1024, windowBits = 12 } = d === true || d === undefined ? {} : d
  if (!Number.isInteger(threshold) || threshold < 0) throw new TypeError(`websocket: deflate.threshold must be a non-negative integer, got ${threshold}`)
  if (!Number.isInteger(windowBits) || windowBits < 9 || windowBits > 15) throw new TypeError(`websocket: deflate.windowBits must be 9 to 15, got ${windowBits}`)
  return { threshold, serverMaxWindowBits: windowBits, zlibDeflateOptions: { memLevel: 7 }, concurrencyLimit: 10 }
}
