/** The JSON access-log record and the debug-mode bodies: captured, redacted, truncated. */
import type { IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import type { Context } from '../../core/context.js'
import type { Finished } from '../stats/measure.js'

/** One access-log line's fields (pino adds `level`, `time`, `msg`). */
export interface AccessRecord {
  /** `c.requestId`, when `requestId()` ran. */
  requestId?: string
  status: number
  method: string
  /** `h2` or `http/1.1` (`http/1.0`): the protocol the request came in. */
  protocol: string
  /** Request `Content-Type`. */
  contentType: string | undefined
  /** Client address (honours `trustProxy`). */
  clientIP: string
  /** The socket's `address:port`. */
  clientEndpoint: string
  /** Path as received (percent-encoded). */
  path: string
  /** Matched route pattern; absent for 404/405. */
  route: string | undefined
  /** Milliseconds until the response's last byte was handed to the socket, 3 decimals. */
  latency: number
  userAgent: string | undefined
  /** Raw query string without `?`. */
  query: string
  /** Response body bytes written. */
  size: number
  /** Present (`true`) only when the client left before the response finished. */
  aborted?: true
  /** Debug bodies, redacted and truncated. */
  requestBody?: string
  responseBody?: string
}

/**
 * Builds the record of a finished request.
 *
 * @example
 * onFinished(c, (f) => log.info(accessRecord(c, f), 'http access log'))
 */
export function accessRecord(c: Context, f: Finished): AccessRecord {
  const r: AccessRecord = {
    requestId: c.requestId,
    status: f.status,
    method: c.req.method,
    protocol: protocolOf(c.raw.req.httpVersion),
    contentType: c.raw.req.headers['content-type'],
    clientIP: c.req.ip,
    clientEndpoint: peerEndpoint(c.raw.req),
    path: c.req.path,
    route: c.route,
    latency: Math.round(f.latency * 1000) / 1000,
    userAgent: c.raw.req.headers['user-agent'],
    query: redactQuery(c.req.search),
    size: f.bytes,
  }
  if (f.aborted) r.aborted = true
  return r
}

/** The ALPN name of an HTTP version (`2.0` → `h2`, `1.1` → `http/1.1`). */
function protocolOf(version: string | undefined): string {
  if (version === '1.1' || version === undefined) return 'http/1.1'
  return version === '2.0' ? 'h2' : `http/${version}`
}

const PEER = Symbol('weir.peerEndpoint')

/**
 * The socket's `address:port`, read once per connection and kept on the socket: Node's `remoteAddress` and
 * `remotePort` getters cost about 500 instructions each. Read at the start of a request, it stays known for
 * a client that leaves before the line is written. `''` without a socket.
 *
 * @example
 * peerEndpoint(c.raw.req) // '127.0.0.1:52144', '[::1]:52144'
 */
export function peerEndpoint(req: IncomingMessage): string {
  const socket = req.socket as (Socket & { [PEER]?: string }) | null | undefined
  if (socket == null) return ''
  // An HTTP/2 request's socket is a proxy of the session's: nothing is stored on it.
  if (req.httpVersionMajor === 2) return endpoint(socket.remoteAddress, socket.remotePort)
  let peer = socket[PEER]
  if (peer === undefined) {
    peer = endpoint(socket.remoteAddress, socket.remotePort)
    if (peer !== '') socket[PEER] = peer
  }
  return peer
}

function endpoint(address: string | undefined, port: number | undefined): string {
  if (address === undefined) return ''
  const host = address.includes(':') ? `[${address}]` : address
  return port === undefined ? host : `${host}:${port}`
}

/** A body as captured: text or bytes. */
export type CapturedBody = string | Uint8Array | undefined

const REQUEST_BODIES = new WeakMap<Context, Uint8Array>()

/**
 * Keeps the request body for the debug access log when the handler read it through `c.req` (the body
 * reader caches it, so this costs nothing and never reads a body nobody asked for).
 *
 * @example
 * await next()
 * if (c.mode === 'debug') await keepRequestBody(c)
 */
export async function keepRequestBody(c: Context): Promise<void> {
  if (!c.raw.req.readableDidRead) return
  try {
    REQUEST_BODIES.set(c, await c.req.bytes())
  } catch {
    // Read through c.raw or streamed: nothing kept to log.
  }
}

/**
 * The bodies to log. The response body is what was captured under `c.get('capture')` — by `logger()`
 * itself when it logs bodies, or by a `capture()` nearer the handler: `{ response: { text, skipped, … },
 * request? }`; the request body is the one the handler read through `c.req`, else `capture.request`.
 * Nothing captured → no body fields.
 *
 * @example
 * const { request, response } = capturedBodies(c)
 * log.debug({ requestBody: logBody(request, 1024), responseBody: logBody(response, 1024) })
 */
export function capturedBodies(c: Context): { request: CapturedBody; response: CapturedBody } {
  const cap = (c.get as (k: string) => unknown)('capture') as { request?: unknown; response?: unknown } | undefined
  const request = REQUEST_BODIES.get(c) ?? asBody(cap?.request)
  return { request, response: asBody(cap?.response) }
}

function asBody(v: unknown): CapturedBody {
  if (typeof v === 'string' || v instanceof Uint8Array) return v
  if (v === null || typeof v !== 'object') return undefined
  const o = v as { text?: unknown; skipped?: unknown }
  if (typeof o.skipped === 'string') return `[not captured: ${o.skipped}]`
  return typeof o.text === 'string' ? o.text : undefined
}

/** Keys whose values never reach a log: credentials and tokens (case-insensitive, `_`/`-` ignored). */
export const SECRET_KEYS = /^(pass(word|wd)?|secret|(access|refresh|id)?token|authorization|cookie|setcookie|apikey|clientsecret|privatekey|signature|xamzsignature|sig)$/i

const MAYBE_SECRET = /pass|secret|token|key|auth|sig|cookie/i

/**
 * A query string with the values of secret-looking parameters (`token`, `access_token`, `password`, `api_key`,
 * `signature`, …) replaced by `[Redacted]`; others untouched. Free for queries without such a name.
 *
 * @example
 * redactQuery('page=2&access_token=abc') // 'page=2&access_token=[Redacted]'
 */
export function redactQuery(query: string): string {
  if (query === '' || !MAYBE_SECRET.test(query)) return query
  return query.replace(/(^|&)([^=&]+)=([^&]*)/g, (m, pre: string, k: string) => (isSecret(decodeKey(k)) ? `${pre}${k}=[Redacted]` : m))
}

function decodeKey(k: string): string {
  try {
    return decodeURIComponent(k.replace(/\+/g, ' '))
  } catch {
    return k
  }
}

/**
 * Prepares a body for a log line: JSON bodies get secret keys redacted, urlencoded ones their values,
 * binary ones become `[binary N bytes]`; then the text is cut at `max` characters.
 *
 * @example
 * logBody('{"user":"a","password":"x"}', 100) // '{"user":"a","password":"[Redacted]"}'
 */
export function logBody(body: CapturedBody, max: number): string | undefined {
  if (body === undefined) return undefined
  let text: string
  if (typeof body === 'string') text = body
  else {
    if (isBinary(body)) return `[binary ${body.byteLength} bytes]`
    text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8')
  }
  text = redactText(text)
  return text.length > max ? `${text.slice(0, max)}…[truncated ${text.length - max} chars]` : text
}

function redactText(text: string): string {
  const first = text.trimStart()[0]
  if (first === '{' || first === '[') {
    try {
      return JSON.stringify(redactValue(JSON.parse(text), 0))
    } catch {
      // A truncated capture is not valid JSON: fall through to the key=value rule, then quoted keys.
    }
  }
  return text
    .replace(/([?&]|^)([^=&\s]+)=([^&\s]*)/g, (m, pre: string, k: string) => (isSecret(k) ? `${pre}${k}=[Redacted]` : m))
    .replace(/"([^"]+)"\s*:\s*"[^"]*"/g, (m, k: string) => (isSecret(k) ? `"${k}":"[Redacted]"` : m))
}

function redactValue(v: unknown, depth: number): unknown {
  if (v === null || typeof v !== 'object' || depth > 32) return v
  if (Array.isArray(v)) return v.map((x) => redactValue(x, depth + 1))
  const out: Record<string, unknown> = Object.create(null)
  for (const [k, x] of Object.entries(v)) out[k] = isSecret(k) ? '[Redacted]' : redactValue(x, depth + 1)
  return out
}

const isSecret = (key: string): boolean => SECRET_KEYS.test(key.replace(/[-_]/g, ''))

function isBinary(b: Uint8Array): boolean {
  const n = Math.min(b.byteLength, 512)
  for (let i = 0; i < n; i++) if (b[i] === 0) return true
  return false
}
