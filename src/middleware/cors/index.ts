/** CORS (Fetch standard §3.2): allowed origins, credentials, preflight answers, exposed headers. */
import type { Context } from '../../core/context.js'
import type { Middleware } from '../../core/types.js'

/**
 * Which origins may read responses: `'*'`, one origin, a RegExp, a list of origins and RegExps, or a
 * function (may be async).
 */
export type CorsOrigin = string | ReadonlyArray<string | RegExp> | RegExp | ((origin: string, c: Context) => boolean | Promise<boolean>)

/** Options of {@link cors}. */
export interface CorsOptions {
  /**
   * Allowed origins. Default `'*'`: any origin, no credentials, and `Access-Control-Allow-Origin: *` on
   * every answer, with or without an `Origin` header.
   */
  origin?: CorsOrigin
  /** Methods a preflight allows. Default `['GET', 'HEAD', 'PUT', 'PATCH', 'POST', 'DELETE']`. */
  methods?: readonly string[]
  /** Request headers a preflight allows. Default: the ones the preflight asks for (echoed). */
  allowHeaders?: readonly string[]
  /** Response headers scripts may read beyond the safelisted ones. Default none. */
  exposeHeaders?: readonly string[]
  /** Send `Access-Control-Allow-Credentials: true` (cookies, auth). Not with `origin: '*'`. Default `false`. */
  credentials?: boolean
  /** How long browsers may cache a preflight, seconds. Default: not sent (browsers use 5 s). */
  maxAge?: number
  /** Leave this request alone. */
  skip?: (c: Context) => boolean
}

const DEFAULT_METHODS = ['GET', 'HEAD', 'PUT', 'PATCH', 'POST', 'DELETE']

/**
 * Adds CORS headers to responses for allowed origins and answers preflights (`OPTIONS` with `Origin` and
 * `Access-Control-Request-Method`) itself with 204. Runs as global middleware, so 404, 405 and error
 * answers carry the headers too (a browser can then read the error). A request from an origin that is
 * not allowed goes on without CORS headers. With `'*'` every answer carries `Access-Control-Allow-Origin: *`
 * and none varies on `Origin`; any other configuration sets `Vary: Origin` on every answer.
 *
 * @example
 * import { cors } from 'weir/cors'
 * app.use(cors({ origin: ['https://app.example.com'], credentials: true, maxAge: 600 }))
 */
export function cors(options: CorsOptions = {}): Middleware {
  const allowed = toMatcher(options.origin ?? '*')
  const any = options.origin === undefined || options.origin === '*'
  const credentials = options.credentials ?? false
  if (any && credentials) {
    throw new TypeError("cors: credentials with origin '*' would let every site read credentialed answers; list the origins, or pass () => true if you mean it")
  }
  const methods = list('methods', options.methods ?? DEFAULT_METHODS).join(', ')
  const allowHeaders = options.allowHeaders === undefined ? undefined : list('allowHeaders', options.allowHeaders).join(', ')
  const expose = list('exposeHeaders', options.exposeHeaders ?? []).join(', ')
  const maxAge = options.maxAge
  if (maxAge !== undefined && (!Number.isInteger(maxAge) || maxAge < 0)) throw new TypeError(`cors: maxAge must be a non-negative integer (seconds), got ${maxAge}`)
  const skip = options.skip
  const preflight = (c: Context): void => {
    const res = c.res
    res.headers['access-control-allow-methods'] = methods
    const asked = c.req.header('access-control-request-headers')
    if (allowHeaders === undefined && asked !== undefined) res.vary('Access-Control-Request-Headers')
    const headers = allowHeaders ?? asked
    if (headers) res.set('access-control-allow-headers', headers)
    if (maxAge !== undefined) res.headers['access-control-max-age'] = String(maxAge)
    res.status = 204
    res.body = null
  }
  return async function cors(c, next) {
    if (skip?.(c)) return next()
    const res = c.res
    const origin = c.req.header('origin')
    if (any) {
      // Fetch standard, "CORS protocol and HTTP caches": with `*` the answer is the same for every
      // request, so send it always — also without Origin — and a cache never stores one without it.
      res.headers['access-control-allow-origin'] = '*'
      if (origin !== undefined && isPreflight(c)) return preflight(c)
      if (expose !== '') res.headers['access-control-expose-headers'] = expose
      return next()
    }
    // The answer depends on Origin whether or not one was sent (RFC 9110 §12.5.5).
    res.vary('Origin')
    if (origin !== undefined && (await allowed(origin, c))) {
      res.headers['access-control-allow-origin'] = origin
      if (credentials) res.headers['access-control-allow-credentials'] = 'true'
      // A preflight is answered here: the route's own OPTIONS handler does not run.
      if (isPreflight(c)) return preflight(c)
      if (expose !== '') res.headers['access-control-expose-headers'] = expose
    }
    try {
      await next()
    } finally {
      if (!res.sent) res.vary('Origin') // again, in case the handler replaced Vary
    }
  }
}

function isPreflight(c: Context): boolean {
  return c.req.method === 'OPTIONS' && c.req.header('access-control-request-method') !== undefined
}

function toMatcher(origin: CorsOrigin): (origin: string, c: Context) => boolean | Promise<boolean> {
  if (origin === '*') return () => true
  if (typeof origin === 'string') return (o) => o === origin
  if (Array.isArray(origin)) {
    const patterns = origin.filter((o): o is RegExp => o instanceof RegExp)
    const set = new Set(origin.filter((o) => !(o instanceof RegExp)))
    if ([...set].some((o) => typeof o !== 'string' || !TOKEN.test(o))) {
      throw new TypeError('cors: origin as a list must hold origins (strings without spaces, like https://app.example.com) and RegExps')
    }
    return (o) => set.has(o) || patterns.some((p) => test(p, o))
  }
  if (origin instanceof RegExp) return (o) => test(origin, o)
  if (typeof origin === 'function') return origin as (origin: string, c: Context) => boolean | Promise<boolean>
  throw new TypeError('cors: origin must be a string, a list, a RegExp or a function (origin, c) => boolean')
}

// A global or sticky RegExp keeps state between tests.
function test(p: RegExp, o: string): boolean {
  p.lastIndex = 0
  return p.test(o)
}

const TOKEN = /^[\x21-\x7e]+$/

function list(name: string, v: readonly string[]): readonly string[] {
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string' || !TOKEN.test(x))) {
    throw new TypeError(`cors: ${name} must be a list of tokens without spaces or control characters`)
  }
  return v
}

