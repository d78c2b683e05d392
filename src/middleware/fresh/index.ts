/** Conditional requests (RFC 9110 §13): 304 Not Modified for GET/HEAD, 412 when a precondition fails (elton's NewFresh). */
import type { IncomingHttpHeaders } from 'node:http'
import type { Context } from '../../core/context.js'
import { stop } from '../../core/respond.js'
import type { Middleware, ResponseBody } from '../../core/types.js'
import { createError } from '../../errors.js'
import { notModifiedHeaders } from '../../stream/conditional.js'

/** The validators of the target resource's current representation. */
export interface Validators {
  /** Its entity tag, quoted, `W/` if weak: `"abc"`, `W/"abc"`. */
  etag?: string
  /** Its last modification: a Date, ms since the epoch, or an HTTP-date. */
  lastModified?: Date | number | string
}

/** The outcome of evaluating preconditions: go on, answer 304, or answer 412. */
export type Outcome = 'proceed' | 'not-modified' | 'failed'

/** Options of {@link fresh}. */
export interface FreshOptions {
  /**
   * The current validators for an unsafe request (POST, PUT, PATCH, DELETE…), read *before* the handler
   * changes anything; `null` when the resource does not exist. Without it, preconditions of unsafe
   * requests are left to the handler (`checkPreconditions`).
   */
  current?: (c: Context) => Validators | null | Promise<Validators | null>
  /** Leave this request alone. */
  skip?: (c: Context) => boolean
}

/**
 * Answers conditional GET and HEAD requests from the response the handler built: 304 (body and body
 * headers dropped) when If-None-Match matches the `ETag` (weak comparison, `*`, lists) or, without
 * If-None-Match, If-Modified-Since is not older than `Last-Modified`; 412 `ERR_PRECONDITION_FAILED` when
 * If-Match or If-Unmodified-Since fails. Only 2xx responses are evaluated (§13.2.1). Unsafe methods are
 * checked before the handler against `current(c)`. Put it before `etag()` and after `compress()`.
 *
 * @example
 * import { fresh } from 'weir/fresh'
 * import { etag } from 'weir/etag'
 * app.use(fresh({ current: (c) => store.versionOf(c.req.path) }), etag())
 */
export function fresh(options: FreshOptions = {}): Middleware {
  const { current, skip } = options
  if (current !== undefined && typeof current !== 'function') throw new TypeError('fresh: current must be a function (c) => validators')
  const after = (c: Context, method: string): void => {
    const res = c.res
    if (res.sent || res.bypass || res.status < 200 || res.status > 299) return
    const outcome = evaluate(method, c.req.headers, { etag: header(res.get('etag')), lastModified: header(res.get('last-modified')) })
    if (outcome === 'failed') throw createError('ERR_PRECONDITION_FAILED')
    if (outcome === 'not-modified' && res.status === 200) notModified(c)
  }
  // Not an async function: a request without conditions, or a synchronous chain, costs no promise.
  return function fresh(c, next) {
    if (skip?.(c)) return next()
    const h = c.req.headers
    if (!h['if-match'] && !h['if-none-match'] && !h['if-modified-since'] && !h['if-unmodified-since']) return next()
    const method = c.req.method
    if (method !== 'GET' && method !== 'HEAD') {
      if (current === undefined) return next()
      const v = current(c)
      if (!(v instanceof Promise)) {
        checkPreconditions(c, v)
        return next()
      }
      return v.then((validators) => {
        checkPreconditions(c, validators)
        return next()
      })
    }
    const out: unknown = next()
    return out instanceof Promise ? out.then(() => after(c, method)) : after(c, method)
  }
}

/**
 * Evaluates a request's preconditions against a representation, in the order of RFC 9110 §13.2.2;
 * `null` validators mean the resource does not exist. If-Range is left to range handling.
 *
 * @example
 * evaluate('GET', { 'if-none-match': 'W/"a", "b"' }, { etag: '"a"' }) // 'not-modified'
 * evaluate('PUT', { 'if-match': '"a"' }, { etag: '"b"' })             // 'failed'
 */
export function evaluate(method: string, h: IncomingHttpHeaders, current: Validators | null): Outcome {
  const safe = method === 'GET' || method === 'HEAD'
  const etag = current?.etag
  const modified = current ? time(current.lastModified) : Number.NaN
  const ifMatch = h['if-match']
  if (ifMatch !== undefined) {
    // §13.1.1: "*" needs a current representation; a list needs a strong match.
    if (!(ifMatch.trim() === '*' ? current !== null : etag !== undefined && tags(ifMatch).some((t) => strong(t, etag)))) return 'failed'
  } else {
    // §13.1.4: ignored without a valid date or without a Last-Modified to compare.
    const since = time(h['if-unmodified-since'])
    if (!Number.isNaN(since) && !Number.isNaN(modified) && modified > since) return 'failed'
  }
  const ifNoneMatch = h['if-none-match']
  if (ifNoneMatch !== undefined) {
    // §13.1.2: "*" matches any current representation; a list matches by weak comparison.
    const match = ifNoneMatch.trim() === '*' ? current !== null : etag !== undefined && tags(ifNoneMatch).some((t) => weak(t, etag))
    if (match) return safe ? 'not-modified' : 'failed'
    return 'proceed'
  }
  // §13.1.3: only for GET and HEAD, and only without If-None-Match.
  if (safe) {
    const since = time(h['if-modified-since'])
    if (!Number.isNaN(since) && !Number.isNaN(modified) && modified <= since) return 'not-modified'
  }
  return 'proceed'
}

/**
 * Throws 412 `ERR_PRECONDITION_FAILED` unless the request's preconditions hold for the resource's current
 * validators (`null`: it does not exist). For handlers of unsafe methods, before they change anything.
 *
 * @example
 * app.put('/docs/:id', async (c) => {
 *   const doc = await db.get(c.params.id)
 *   checkPreconditions(c, doc && { etag: `"${doc.version}"` })
 *   await db.put(c.params.id, await c.req.json())
 * })
 */
export function checkPreconditions(c: Context, current: Validators | null): void {
  const outcome = evaluate(c.req.method, c.req.headers, current)
  if (outcome === 'failed') throw createError('ERR_PRECONDITION_FAILED')
  // A 304 for a safe method is decided after the handler, from the response.
}

/**
 * Entity tags of a list; tags may contain commas, so they are matched, not split.
 *
 * @example
 * tags('W/"a", "b,c"') // ['W/"a"', '"b,c"']
 */
export function tags(list: string): string[] {
  return list.match(/(?:W\/)?"[^"]*"/g) ?? []
}

/** RFC 9110 §8.8.3.2 strong comparison: both strong and the same. */
function strong(a: string, b: string): boolean {
  return a === b && !a.startsWith('W/')
}

/** RFC 9110 §8.8.3.2 weak comparison: the same opaque tag, either or both weak. */
function weak(a: string, b: string): boolean {
  return (a.startsWith('W/') ? a.slice(2) : a) === (b.startsWith('W/') ? b.slice(2) : b)
}

function time(v: Date | number | string | undefined): number {
  if (v === undefined) return Number.NaN
  if (v instanceof Date) v = v.getTime()
  // HTTP dates have one-second resolution (RFC 9110 §5.6.7).
  if (typeof v === 'number') return Math.floor(v / 1000) * 1000
  return Date.parse(v)
}

function header(v: unknown): string | undefined {
  return v === undefined ? undefined : String(v)
}

function notModified(c: Context): void {
  const res = c.res
  const body: ResponseBody = res.body
  if (body !== null && typeof body === 'object' && !(body instanceof Uint8Array)) stop(body)
  res.body = null
  res.status = 304
  notModifiedHeaders(res.headers)
}
