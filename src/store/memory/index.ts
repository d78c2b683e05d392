/** The in-process store: bounded by entries and bytes, with expiry (lru-cache). */
import type { LRUCache } from 'lru-cache'
import { createError } from '../../errors.js'
import { requireOptional } from '../../utils/optional.js'
import { checkTtl, checkValue, commonOptions, sameBytes } from '../helpers.js'
import type { Store, StoreOptions, StoreValue } from '../types.js'

/** Options of {@link memoryStore}. */
export interface MemoryStoreOptions extends StoreOptions {
  /** Most entries; past it the least recently used goes. Default `10_000`. */
  maxEntries?: number
  /** Most bytes of keys and values together; past it the least recently used go. Default `67_108_864` (64 MiB). */
  maxBytes?: number
}

/**
 * A store in this process's memory: fast, bounded (least recently used entries go first), lost on
 * restart and not shared between processes — use it for one process, tests and development. Every
 * operation is atomic. Needs the `lru-cache` package (`npm install lru-cache`).
 *
 * @example
 * import { memoryStore } from 'weir/store'
 * const store = memoryStore({ maxEntries: 50_000 })
 */
export function memoryStore(options: MemoryStoreOptions = {}): Store {
  const { prefix, maxValueBytes } = commonOptions(options, 'memoryStore()')
  const max = options.maxEntries ?? 10_000
  const maxSize = options.maxBytes ?? 64 << 20
  if (!Number.isInteger(max) || max < 1) throw new TypeError(`memoryStore(): maxEntries must be a positive integer, got ${max}`)
  if (!Number.isInteger(maxSize) || maxSize < 1) throw new TypeError(`memoryStore(): maxBytes must be a positive integer, got ${maxSize}`)
  const { LRUCache: Cache } = requireOptional<typeof import('lru-cache')>('lru-cache', 'memoryStore() (the default store of session() and createCache())')
  const cache: LRUCache<string, Buffer> = new Cache<string, Buffer>({ max, maxSize, sizeCalculation: (v, k) => v.byteLength + k.length + 1 })
  let closed = false
  const open = (): void => {
    if (closed) throw createError('ERR_STORE_CLOSED', 'This memory store was closed')
  }
  const put = (key: string, value: StoreValue | undefined, ttl: number | undefined): void => {
    if (value === undefined) cache.delete(key)
    else cache.set(key, Buffer.from(value), { ttl })
  }
  return {
    name: 'memory',
    async get(key) {
      open()
      return cache.get(prefix + key)
    },
    async set(key, value, ttl) {
      open()
      checkValue(value, maxValueBytes, 'memory')
      checkTtl(ttl, 'memory')
      put(prefix + key, value, ttl)
    },
    async delete(key) {
      open()
      return cache.delete(prefix + key)
    },
    async touch(key, ttl) {
      open()
      checkTtl(ttl, 'memory')
      const k = prefix + key
      const v = cache.get(k)
      if (v === undefined) return false
      cache.set(k, v, { ttl })
      return true
    },
    async compareAndSet(key, expected, value, ttl) {
      open()
      checkValue(value, maxValueBytes, 'memory')
      checkTtl(ttl, 'memory')
      const k = prefix + key
      if (!sameBytes(cache.get(k), expected)) return false
      put(k, value, ttl)
      return true
    },
    async increment(key, by = 1, ttl) {
      open()
      checkTtl(ttl, 'memory')
      const k = prefix + key
      const v = cache.get(k)
      const n = (v === undefined ? 0 : Number(v.toString('latin1'))) + by
      if (!Number.isSafeInteger(n)) throw new TypeError(`memory store: ${JSON.stringify(key)} does not hold a counter`)
      // A counter keeps the expiry it was created with.
      const left = v === undefined ? ttl : cache.getRemainingTTL(k)
      cache.set(k, Buffer.from(String(n), 'latin1'), { ttl: left !== undefined && Number.isFinite(left) && left > 0 ? left : undefined })
      return n
    },
    async close() {
      closed = true
      cache.clear()
    },
  }
}
