/** A response as the response cache stores it, the keys it is stored under, and its replay on a hit. */
import { createHash } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'
import type { Context } from '../../core/context.js'
import type { HeaderValue } from '../../core/response.js'
import { notModifiedHeaders } from '../../stream/conditional.js'
import { evaluate } from '../fresh/index.js'

/** A stored response: status, the headers the inner layers set, the body (base64, any codec carries it), when stored. */
export interface Stored {
  s: number
  h: Record<string, string | string[]>
  b: string
  /** The body was a string (replayed as one, so its default type stays text). */
  t: boolean
  at: number
}

/** What the URL key holds: the `Vary` names of its responses, and the response itself when there are none. */
export interface UrlRecord {
  vary: string[]
  r?: Stored
}

// RFC 9111 §3.1: hop-by-hop fields are not stored; Content-Length is recomputed by respond; the rest are ours.
const NOT_STORED = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'content-length', 'date', 'age', 'x-cache', 'set-cookie'])

/**
 * Captures a buffered response: only the headers that differ from `before` (what outer layers had set on
 * the way in, like a request id, belongs to each request, not to the entry).
 *
 * @example
 * const before = { ...c.res.headers }
 * await next()
 * const stored = capture(c, before, Date.now())
 */
export function capture(c: Context, before: Record<string, HeaderValue>, at: number): Stored | undefined {
  const { status, headers, body } = c.res
  if (body !== null && typeof body !== 'string' && !(body instanceof Uint8Array)) return undefined
  const h: Record<string, string | string[]> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (NOT_STORED.has(name) || same(before[name], value)) continue
    h[name] = Array.isArray(value) ? value.map(String) : String(value)
  }
  const bytes = body === null ? Buffer.alloc(0) : typeof body === 'string' ? Buffer.from(body) : Buffer.from(body.buffer, body.byteOffset, body.byteLength)
  return { s: status, h, b: bytes.toString('base64'), t: typeof body === 'string', at }
}

function same(a: HeaderValue | undefined, b: HeaderValue): boolean {
  return a !== undefined && String(a) === String(b)
}

/**
 * Answers from a stored response: its status, headers and body, `X-Cache: hit` and `Age` (RFC 9111 §5.1);
 * 304 when the request's `If-None-Match` (or `If-Modified-Since`) matches its validators (§4.3.2).
 *
 * @example
 * replay(c, stored, Math.floor((Date.now() - stored.at) / 1000))
 */
export function replay(c: Context, e: Stored, age: number): void {
  const res = c.res
  res.status = e.s
  Object.assign(res.headers, e.h)
  const bytes = Buffer.from(e.b, 'base64')
  res.body = e.t ? bytes.toString('utf8') : bytes
  res.headers['x-cache'] = 'hit'
  res.headers.age = String(age)
  if (e.s !== 200) return
  const validators = { etag: header(e.h.etag), lastModified: header(e.h['last-modified']) }
  if (evaluate('GET', c.req.headers, validators) !== 'not-modified') return
  res.status = 304
  res.body = null
  notModifiedHeaders(res.headers)
}

function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v
}

/**
 * The names a response's `Vary` lists, lower-case, in order (RFC 9110 §12.5.5).
 *
 * @example
 * varyNames('Accept-Encoding, accept-language') // ['accept-encoding', 'accept-language']
 */
export function varyNames(vary: HeaderValue | undefined): string[] {
  if (vary === undefined) return []
  const text = Array.isArray(vary) ? vary.join(',') : String(vary)
  return [...new Set(text.split(',').map((v) => v.trim().toLowerCase()).filter((v) => v !== ''))]
}

/**
 * The key of the variant a request selects: the URL key and a hash of the request's values of the `Vary`
 * names, normalised as RFC 9111 §4.1 allows (whitespace around commas; `Accept-Encoding` codings in any
 * order or case are the same). An absent header differs from an empty one.
 *
 * @example
 * variantKey('GET example.com/a', ['accept-encoding'], { 'accept-encoding': 'br, gzip' })
 */
export function variantKey(url: string, names: readonly string[], h: IncomingHttpHeaders): string {
  const values = names.map((name) => normalise(name, h[name]))
  return `${url}\u0000${createHash('sha256').update(JSON.stringify(values)).digest('base64url')}`
}

function normalise(name: string, v: string | string[] | undefined): string | null {
  if (v === undefined) return null
  const parts = (Array.isArray(v) ? v.join(',') : v).split(',').map((p) => p.trim())
  if (name === 'accept-encoding') return parts.map((p) => p.replace(/\s+/g, '').toLowerCase()).filter((p) => p !== '').sort().join(',')
  return parts.join(',')
}
