/** `weir/cache`: a value cache over any Store with single-flight and stale-while-revalidate, and the HTTP response cache. */
export type { Codec } from './codec.js'
export { type Cache, type CacheOptions, type WrapOptions, createCache } from './value.js'
