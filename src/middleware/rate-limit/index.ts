/** Rate limiting in fixed windows per key, with IETF RateLimit headers and 429 + Retry-After. */
import type { Context } from '../../core/context.js'
import type { Middleware } from '../../core/types.js'
import { createError } from '../../errors.js'
import type { Store } from '../../store/types.js'
import { storeCounter } from './shared.js'
import { MemoryStore, type RateLimitStore } from './store.js'

export { MemoryStore, type MemoryStoreOptions, type RateLimitHit, type RateLimitStore } from './store.js'
export { type StoreCounterOptions, storeCounter } from './shared.js'

/** Options of {@link rateLimit}. */
export interface RateLimitOptions {
  /** Window length, ms. Default `60_000`. */
  window?: number
  /** Requests allowed per key and window. Default `60`. */
  max?: number
  /** The key a request counts against. Default: the client address, `c.req.ip` (mind `trustProxy`). */
  key?: (c: Context) => string | Promise<string>
  /**
   * Where the counts live. Default: a new {@link MemoryStore} (one process). A weir `Store` (`redisStore()`,
   * `mysqlStore()`, …) counts across processes and machines (through {@link storeCounter}).
   */
  store?: RateLimitStore | Store
  /** Send `RateLimit-Limit`, `-Remaining`, `-Reset` and `RateLimit-Policy`. Default `true`. */
  headers?: boolean
  /** Leave this request alone (health checks, trusted clients). */
  skip?: (c: Context) => boolean
}

/**
 * Counts each request against its key; past `max` in the window, answers 429 `ERR_RATE_LIMITED` with
 * `Retry-After` (seconds). Headers follow draft-ietf-httpapi-ratelimit-headers in its widely deployed
 * form (draft 6/7: separate `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` in seconds, and
 * `RateLimit-Policy: <max>;w=<seconds>`). A store that fails fails the request (a shared store that is
 * down: 503): no silent bypass.
 *
 * @example
 * import { rateLimit } from 'weir/rate-limit'
 * app.use(rateLimit({ window: 60_000, max: 100 }))
 * api.use(rateLimit({ max: 10, key: (c) => c.get('user')?.id ?? c.req.ip }))
 */
export function rateLimit(options: RateLimitOptions = {}): Middleware {
  const window = options.window ?? 60_000
  const max = options.max ?? 60
  const key = options.key ?? ((c: Context) => c.req.ip)
  const given = options.store ?? new MemoryStore()
  const store: RateLimitStore = 'compareAndSet' in given ? storeCounter(given) : given
  const headers = options.headers ?? true
  const skip = options.skip
  if (!Number.isInteger(window) || window < 1) throw new TypeError(`rateLimit: window must be a positive integer (ms), got ${window}`)
  if (!Number.isInteger(max) || max < 0) throw new TypeError(`rateLimit: max must be a non-negative integer, got ${max}`)
  if (typeof key !== 'function') throw new TypeError('rateLimit: key must be a function (c) => string')
  if (typeof store?.hit !== 'function') throw new TypeError('rateLimit: store must implement RateLimitStore (hit, reset)')
  const policy = `${max};w=${Math.ceil(window / 1000)}`
  return async function rateLimit(c, next) {
    if (skip?.(c)) return next()
    const { count, resetIn } = await store.hit(await key(c), window)
    const reset = String(Math.max(0, Math.ceil(resetIn / 1000)))
    if (headers) {
      const h = c.res.headers
      h['ratelimit-limit'] = String(max)
      h['ratelimit-remaining'] = String(Math.max(0, max - count))
      h['ratelimit-reset'] = reset
      h['ratelimit-policy'] = policy
    }
    if (count > max) throw createError('ERR_RATE_LIMITED', undefined, { headers: { 'retry-after': reset } })
    return next()
  }
}
