/** CORS (Fetch standard §3.2): allowed origins, credentials, preflight answers, exposed headers. */
import type { Context } from '../../core/context.js'
import type { Middleware } from '../../core/types.js'

/** Which origins may read responses: `'*'`, one origin, a list, a RegExp, or a function (may be async). */
export type CorsOrigin = string | readonly string[] | RegExp | ((origin: string, c: Context) => boolean | Promise<boolean>)

/** Options of {@link cors}. */
export interface CorsOptions {
  /** Allowed origins. Default `'*'` (any origin, no credentials). */
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
 * Adds CORS headers to responses for allowed origins and answers preflights (`OPTIONS` with
 * `Access-Control-Request-Method`) itself with 204. Runs as global middleware, so 404, 405 and error
 * answers carry the headers too (a browser can then read the error). A request from an origin that is
 * not allowed goes on without CORS headers. `Vary: Origin` is set whenever the answer depends on it.
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
    const ok = origin !== undefined && (await allowed(origin, c))
    if (!any) res.vary('Origin')
    if (ok) {
      res.headers['access-control-allow-origin'] = any ? '*' : origin
      if (credentials) res.headers['access-control-allow-credentials'] = 'true'
      // A preflight is answered here: the route's own OPTIONS handler does not run.
      if (c.req.method === 'OPTIONS' && c.req.header('access-control-request-method') !== undefined) return preflight(c)
      if (expose !== '') res.headers['access-control-expose-headers'] = expose
    }
    if (any) return next()
    try {
      await next()
    } finally {
      if (!res.sent) res.vary('Origin') // again, in case the handler replaced Vary
    }
  }
}

function toMatcher(origin: CorsOrigin): (origin: string, c: Context) => boolean | Promise<boolean> {
  if (origin === '*') return () => true
  if (typeof origin === 'string') return (o) => o === origin
  if (Array.isArray(origin)) {
    const set = new Set(list('origin', origin))
    return (o) => set.has(o)
  }
  if (origin instanceof RegExp) {
    return (o) => {
      origin.lastIndex = 0
      return origin.test(o)
    }
  }
  if (typeof origin === 'function') return origin as (origin: string, c: Context) => boolean | Promise<boolean>
  throw new TypeError('cors: origin must be a string, a list, a RegExp or a function (origin, c) => boolean')
}

function list(name: string, v: readonly string[]): readonly string[] {
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string' || !/^[\x21-\x7e]+$/.test(x))) {
    throw new TypeError(`cors: ${name} must be a list of tokens without spaces or control characters`)
  }
  return v
}

