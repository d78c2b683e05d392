/** The options of cacheResponse(), checked once when it is made. */
import { createHash } from 'node:crypto'
import type { Context } from '../../core/context.js'
import type { Store } from '../../store/types.js'
import { type Cache, createCache } from './value.js'

/** Options of {@link cacheResponse}. */
export interface CacheResponseOptions {
  /** The value cache entries go through (give `cache` or `store`, not both). Default `createCache({ store })`. */
  cache?: Cache
  /** The store of the cache made when `cache` is not given. Default a new `memoryStore()`. */
  store?: Store
  /** Freshness of a 200 that states none (no `max-age`, `s-maxage`, `Expires`), ms. Default `60_000`. */
  ttl?: number
  /** Methods answered from the cache; only GET answers are stored, HEAD is served from them. Default `['GET', 'HEAD']`. */
  methods?: ReadonlyArray<'GET' | 'HEAD'>
  /** The URL key of a request, `undefined` to leave it uncached. Default host + path + query (+ the credentials when `private`). */
  key?: (c: Context) => string | undefined
  /**
   * A per-user cache: `private` answers and answers to requests with `Authorization` or `Cookie` are
   * stored, `s-maxage` is ignored, and the default key includes those credentials. Default `false` (shared).
   */
  private?: boolean
  /** Leave this request alone. */
  skip?: (c: Context) => boolean
}

/** The checked options. */
export interface Resolved {
  cache: Cache
  ttl: number
  methods: ReadonlySet<string>
  key: (c: Context) => string | undefined
  shared: boolean
  skip: ((c: Context) => boolean) | undefined
}

function defaultKey(shared: boolean): (c: Context) => string {
  if (shared) return (c) => `${c.req.host}${c.req.url}`
  return (c) => {
    const { authorization = '', cookie = '' } = c.req.headers
    if (authorization === '' && cookie === '') return `${c.req.host}${c.req.url}`
    const who = createHash('sha256').update(`${authorization}\u0000${cookie}`).digest('base64url')
    return `${c.req.host}${c.req.url}\u0000${who}`
  }
}

/** Checks the options; a bad one throws `TypeError` naming it. */
export function resolve(options: CacheResponseOptions): Resolved {
  const w = 'cacheResponse'
  const { cache, store, key, skip } = options
  if (cache !== undefined && store !== undefined) throw new TypeError(`${w}: give cache or store, not both`)
  if (cache !== undefined && (typeof cache.get !== 'function' || typeof cache.set !== 'function' || typeof cache.now !== 'function')) {
    throw new TypeError(`${w}: cache must be made by createCache()`)
  }
  const ttl = options.ttl ?? 60_000
  if (typeof ttl !== 'number' || !(ttl > 0) || !Number.isFinite(ttl)) throw new TypeError(`${w}: ttl must be a positive number of ms, got ${ttl}`)
  const methods = options.methods ?? ['GET', 'HEAD']
  if (!Array.isArray(methods) || methods.length === 0 || methods.some((m) => m !== 'GET' && m !== 'HEAD')) {
    throw new TypeError(`${w}: methods must be a non-empty list of 'GET' and 'HEAD'`)
  }
  const priv = options.private ?? false
  if (typeof priv !== 'boolean') throw new TypeError(`${w}: private must be a boolean`)
  if (key !== undefined && typeof key !== 'function') throw new TypeError(`${w}: key must be a function (c) => string | undefined`)
  if (skip !== undefined && typeof skip !== 'function') throw new TypeError(`${w}: skip must be a function (c) => boolean`)
  return { cache: cache ?? createCache({ store }), ttl, methods: new Set(methods), key: key ?? defaultKey(!priv), shared: !priv, skip }
}
