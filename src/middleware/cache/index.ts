/**
 * `weir/cache`: a value cache over any Store — single-flight in and across processes, stale-while-revalidate
 * — and `cacheResponse()`, the HTTP response cache (RFC 9111) built on it.
 */
export type { Codec } from './codec.js'
export { type Directives, directives } from './policy.js'
export { type CacheResponseOptions, cacheResponse } from './response.js'
export { type Cache, type CacheOptions, type WrapOptions, createCache } from './value.js'
