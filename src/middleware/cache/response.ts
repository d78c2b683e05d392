/** The HTTP response cache: buffered answers to GET stored by URL and Vary, served (or 304) without running the handler. */
import type { Context } from '../../core/context.js'
import type { HeaderValue } from '../../core/response.js'
import type { Middleware, Next } from '../../core/types.js'
import { type Stored, type UrlRecord, capture, replay, variantKey, varyNames } from './entry.js'
import { type CacheResponseOptions, type Resolved, resolve } from './options.js'
import { credentialsAllowed, lifetime, requestRules } from './policy.js'

export type { CacheResponseOptions } from './options.js'

/**
 * Caches buffered responses to GET (RFC 9111): by URL, then by the request headers the response's `Vary`
 * names; honours `Cache-Control` (`no-store`, `no-cache`, `private`, `max-age`, `s-maxage`) both ways;
 * never stores `Set-Cookie` or, shared, the answer to credentials unless it says `public`. Hits carry
 * `X-Cache: hit` and `Age`, misses `X-Cache: miss`; a matching `If-None-Match` gets a 304 from the cache.
 * Concurrent misses of one URL run the handler once. Put it outside `compress()`: encoded bytes are stored
 * with their `Content-Encoding`, per `Accept-Encoding` variant. Streams are not stored.
 *
 * @example
 * import { cacheResponse } from 'weir/cache'
 * import { redisStore } from 'weir/store/redis'
 * app.use(cacheResponse({ store: redisStore(), ttl: 30_000 }), compress())
 */
export function cacheResponse(options: CacheResponseOptions = {}): Middleware {
  const o = resolve(options)
  const flights = new Map<string, Promise<void>>()
  return async function cacheResponse(c: Context, next: Next) {
    if (o.skip?.(c) || !o.methods.has(c.req.method)) return next()
    const rules = requestRules(c.req.headers)
    const url = rules.noStore ? undefined : o.key(c)
    if (url === undefined) return origin(c, next, o, undefined)
    const key = `http:${url}`
    // RFC 9111 §5.2.1.4: no-cache (or max-age=0) goes to the origin; If-Match and If-Unmodified-Since are its to judge.
    const serve = !rules.noCache && c.req.headers['if-match'] === undefined && c.req.headers['if-unmodified-since'] === undefined
    if (serve && (await lookup(c, o, key, rules.maxAge))) return
    const leader = flights.get(key)
    if (leader !== undefined && serve) {
      // Another request for this URL is at the origin: wait for its answer, then look again.
      await leader
      if (await lookup(c, o, key, rules.maxAge)) return
    }
    if (c.req.method !== 'GET' || leader !== undefined) return origin(c, next, o, c.req.method === 'GET' ? key : undefined)
    const done = origin(c, next, o, key)
    flights.set(key, done.then(noop, noop))
    try {
      await done
    } finally {
      flights.delete(key)
    }
  }
}

const noop = () => {}

/** Runs the handler; stores its answer under `key` when the rules allow. */
async function origin(c: Context, next: Next, o: Resolved, key: string | undefined): Promise<void> {
  const before: Record<string, HeaderValue> = key === undefined ? {} : { ...c.res.headers }
  await next()
  const res = c.res
  if (res.sent || res.bypass) return
  res.headers['x-cache'] = 'miss'
  if (key === undefined) return
  const ttl = lifetime(res, o.shared, o.ttl)
  if (ttl === undefined || (o.shared && !credentialsAllowed(c.req.headers, res))) return
  const stored = capture(c, before, o.cache.now())
  if (stored === undefined) return
  const vary = varyNames(res.get('vary'))
  try {
    if (vary.length === 0) return await o.cache.set(key, { vary, r: stored } satisfies UrlRecord, ttl)
    // The variant first, so a reader following the record finds it.
    await o.cache.set(variantKey(key, vary, c.req.headers), stored, ttl)
    await o.cache.set(key, { vary } satisfies UrlRecord, Math.max(ttl, o.ttl))
  } catch (err) {
    c.report(err, 'cache')
  }
}

/** Answers from the cache if it holds a variant for this request, no older than `maxAge` seconds. */
async function lookup(c: Context, o: Resolved, key: string, maxAge: number | undefined): Promise<boolean> {
  let e: Stored | undefined
  try {
    const rec = await o.cache.get<UrlRecord>(key)
    if (rec === undefined || !Array.isArray(rec.vary)) return false
    e = rec.vary.length === 0 ? rec.r : await o.cache.get<Stored>(variantKey(key, rec.vary, c.req.headers))
  } catch (err) {
    // A store that cannot answer makes a miss, not a failed request.
    c.report(err, 'cache')
    return false
  }
  if (e === undefined) return false
  const age = Math.max(0, Math.floor((o.cache.now() - e.at) / 1000))
  if (maxAge !== undefined && age > maxAge) return false
  replay(c, e, age)
  return true
}
