/** Parses request bodies by Content-Type before the handler, with limits, decoders and parsers per route. */
import type { IncomingMessage } from 'node:http'
import { mediaType } from '../../body/content-type.js'
import type { Decoders } from '../../body/decoders.js'
import type { ProtoAction } from '../../body/json.js'
import { type BodyLimits, resolveLimits } from '../../body/limits.js'
import { type BodyOptions, type BodyParsers, resolveBody } from '../../body/settings.js'
import type { Context } from '../../core/context.js'
import { createError } from '../../errors.js'

/** Options of {@link bodyParser}. */
export interface BodyParserOptions {
  /** Largest body for these routes, bytes, counted decoded. Default: the app's `limits.body` (1 MiB). */
  limit?: number
  /** Other limits for these routes: `jsonDepth`, `fields`, `formDepth`, `fieldSize`, `files`, `fileSize`. Default: the app's. */
  limits?: BodyLimits
  /** Content codings: `false` refuses one (415), a factory adds one. Default: gzip, x-gzip, deflate, br. */
  decoders?: Decoders
  /**
   * Parsers by media type (`text/csv`, `text/*`, `*\/*`) over the built-ins (JSON and `+json`, urlencoded,
   * multipart, `text/*`); each gets `c.req` and returns the value. `false` leaves a type unparsed (bytes).
   */
  parsers?: BodyParsers
  /** JSON `__proto__` / `constructor.prototype` keys: `'error'` (400), `'remove'`, `'ignore'`. Default `'error'`. */
  protoAction?: ProtoAction
  /**
   * Media types a body may have here (`application/json`, `text/*`, `+json` for any JSON suffix); another type,
   * or a non-empty body without one, is 415 `ERR_BODY_UNSUPPORTED_TYPE`. Default: any.
   */
  types?: string[]
  /** Leave this request alone. */
  skip?: (c: Context) => boolean
}

/**
 * Reads and parses the body before the handler runs, so a bad body is answered (4xx) before any work and
 * the handler reads the parsed value with `await c.req.parse()` (or `c.req.json()`, `form()`, …, all
 * cached). JSON → value, urlencoded → record, multipart → `{ fields, files }` (files in memory), `text/*`
 * → string, other types → bytes. A request that declares no body (no `Content-Length` > 0 and no
 * `Transfer-Encoding`) is not read.
 *
 * @example
 * app.post('/import', bodyParser({ limit: 10 * MiB, parsers: { 'text/csv': async (req) => parseCsv(await req.text()) } }),
 *   async (c) => save(await c.req.parse()))
 */
export function bodyParser(options: BodyParserOptions = {}) {
  const { limit, limits, decoders, parsers, protoAction, types, skip } = options
  if (skip !== undefined && typeof skip !== 'function') throw new TypeError('bodyParser: skip must be a function')
  if (types !== undefined && (!Array.isArray(types) || types.some((t) => typeof t !== 'string' || !t.includes('/') && t !== '+json'))) {
    throw new TypeError('bodyParser: types must be media types such as "application/json", "text/*" or "+json"')
  }
  const merged: BodyLimits | undefined = limit === undefined ? limits : { ...limits, body: limit }
  const bodyOptions: BodyOptions = { limits: merged, decoders, parsers, protoAction }
  resolveBody(bodyOptions) // throws TypeError now, not per request
  const allowed = types?.map((t) => t.toLowerCase())
  return async function bodyParser(c: Context, next: () => Promise<void> | void): Promise<void> {
    if (skip?.(c)) return next()
    c.req.configureBody(bodyOptions)
    if (!declaresBody(c.req.raw)) return next()
    if (allowed !== undefined) await checkType(c, allowed)
    await c.req.parse()
    return next()
  }
}

/**
 * Sets the body limit of the routes it is on (bytes, decoded), over the app's `limits.body`. Put it before
 * anything that reads the body.
 *
 * @example
 * app.post('/upload', bodyLimit(50 * MiB), async (c) => { await pipeline(c.req.stream(), sink) })
 */
export function bodyLimit(bytes: number) {
  const limits = { body: bytes }
  resolveLimits(limits)
  return function bodyLimit(c: Context, next: () => Promise<void> | void) {
    c.req.configureBody({ limits })
    return next()
  }
}

// RFC 9112 §6.3: a request has a body only with Transfer-Encoding or a Content-Length.
function declaresBody(req: IncomingMessage): boolean {
  const h = req.headers
  return h['transfer-encoding'] !== undefined || (h['content-length'] !== undefined && h['content-length'] !== '0')
}

async function checkType(c: Context, allowed: string[]): Promise<void> {
  const { type } = mediaType(c.req.header('content-type'))
  if (type === '') {
    if ((await c.req.bytes()).length === 0) return
  } else if (allowed.some((a) => matches(a, type))) return
  throw createError('ERR_BODY_UNSUPPORTED_TYPE', `This route accepts bodies of type ${allowed.join(', ')}; got ${type || 'none'}`, {
    headers: { 'accept-post': allowed.join(', ') },
  })
}

function matches(pattern: string, type: string): boolean {
  if (pattern === type || pattern === '*/*') return true
  if (pattern === '+json') return type === 'application/json' || type.endsWith('+json')
  return pattern.endsWith('/*') && type.startsWith(pattern.slice(0, -1))
}
