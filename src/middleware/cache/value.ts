/** The value cache: get/set/delete over any Store, and wrap() with single-flight and stale-while-revalidate. */
import { memoryStore } from '../../store/memory/index.js'
import type { Store, StoreValue } from '../../store/types.js'
import { type Bytes, type Codec, toBytes } from './codec.js'
import { type Entry, flights } from './flight.js'

/** Options of {@link createCache}. */
export interface CacheOptions {
  /** Where entries live; share one across processes (Redis, MySQL, …) for cross-process single-flight. Default a new `memoryStore()`. */
  store?: Store
  /** Prepended to every key. Default `'cache:'`. */
  prefix?: string
  /** How long a value is fresh, ms. Default `60_000`. */
  ttl?: number
  /** How long past `ttl` a stale value is still served by `wrap` while one refresh runs, ms. Default `0`. */
  grace?: number
  /** How long a `wrap` loader holds the cross-process lock; past it, another process may take over, ms. Default `10_000`. */
  lockTtl?: number
  /** Values to bytes and back: `{ encode, decode }` or `{ stringify, parse }`. Default `JSON`. */
  codec?: Codec
  /** Hears what `wrap` swallows: store errors (it then runs the loader uncached), failed background refreshes, undecodable entries. */
  onError?: (err: unknown, key: string) => void
  /** The clock, ms since the epoch. Default `Date.now`; tests pass their own. */
  now?: () => number
}

/** Options of one `wrap` call; each defaults to the cache's. */
export interface WrapOptions {
  /** How long the value is fresh, ms. */
  ttl?: number
  /** How long past `ttl` it is served stale while refreshing, ms. */
  grace?: number
}

/**
 * A value cache. Entries are stored as `{ v, exp }`, so staleness is known without asking the store for
 * ttls; the store keeps them `ttl + grace`.
 *
 * @example
 * const cache: Cache = createCache({ store: redisStore() })
 * await cache.set('motd', 'hello', 5_000)
 * const motd = await cache.get<string>('motd')
 */
export interface Cache {
  /** The store entries live in. */
  readonly store: Store
  /** The cache's clock, ms since the epoch. */
  now(): number
  /** The fresh value of `key`, or `undefined`. Rejects with the store's 503 when it cannot answer. */
  get<T = unknown>(key: string): Promise<T | undefined>
  /** Stores `value` (anything the codec takes) fresh for `ttl` ms (default the cache's). */
  set(key: string, value: unknown, ttl?: number): Promise<void>
  /** Removes `key`; `true` if it was there. */
  delete(key: string): Promise<boolean>
  /**
   * The value of `key`, loaded by `fn` on a miss — once per key however many callers miss together, in
   * this process and across processes sharing the store. A failing `fn` stores nothing; its callers in
   * this process get its error. Never fails because of the store: it then runs `fn` uncached.
   */
  wrap<T>(key: string, fn: () => T | Promise<T>, options?: WrapOptions): Promise<T>
}

// Lock keys end with a NUL, which no value key made from text ends with by accident.
const LOCK_SUFFIX = '\u0000lock'

/**
 * Makes a value cache over any store.
 *
 * @example
 * import { createCache } from 'weir/cache'
 * const cache = createCache({ ttl: 30_000, grace: 300_000 })
 * const user = await cache.wrap(`user:${id}`, () => db.users.find(id))
 */
export function createCache(options: CacheOptions = {}): Cache {
  const o = resolve(options)
  const { store, prefix, codec, now } = o
  const report = (err: unknown, key: string) => o.onError?.(err, key)
  const read = async (key: string) => decode(codec, await store.get(prefix + key), (err) => report(err, key))
  const safeRead = (key: string) =>
    read(key).catch((err: unknown) => {
      report(err, key)
      return undefined
    })
  const write = (key: string, v: unknown, ttl: number, grace: number) => store.set(prefix + key, codec.encode({ v, exp: now() + ttl }), ttl + grace)
  const f = flights({
    store,
    lockTtl: o.lockTtl,
    now,
    lockKey: (key) => prefix + key + LOCK_SUFFIX,
    read: safeRead,
    write: (key, v, ttl, grace) => write(key, v, ttl, grace).catch((err: unknown) => report(err, key)),
    report,
  })
  return {
    store,
    now,
    async get<T>(key: string) {
      const e = await read(key)
      return e !== undefined && now() < e.exp ? (e.v as T) : undefined
    },
    async set(key, value, ttl = o.ttl) {
      await write(key, value, duration(ttl, 'ttl', false), o.grace)
    },
    delete: (key) => store.delete(prefix + key),
    async wrap<T>(key: string, fn: () => T | Promise<T>, w: WrapOptions = {}) {
      if (typeof fn !== 'function') throw new TypeError('cache.wrap: fn must be a function returning the value')
      const job = { key, fn, ttl: duration(w.ttl ?? o.ttl, 'ttl', false), grace: duration(w.grace ?? o.grace, 'grace', true) }
      const e = await safeRead(key)
      if (e !== undefined) {
        const t = now()
        if (t < e.exp) return e.v as T
        // Stale-while-revalidate: answer at once, refresh once in the background.
        if (t < e.exp + job.grace) {
          f.refresh(job)
          return e.v as T
        }
      }
      return f.fill(job)
    },
  }
}

interface Resolved {
  store: Store
  prefix: string
  ttl: number
  grace: number
  lockTtl: number
  codec: Bytes
  onError: ((err: unknown, key: string) => void) | undefined
  now: () => number
}

function resolve(options: CacheOptions): Resolved {
  const w = 'createCache'
  const store = options.store ?? memoryStore()
  if (typeof store?.compareAndSet !== 'function') throw new TypeError(`${w}: store must be a Store (see weir/store)`)
  const prefix = options.prefix ?? 'cache:'
  if (typeof prefix !== 'string') throw new TypeError(`${w}: prefix must be a string`)
  const { onError, now = Date.now } = options
  if (onError !== undefined && typeof onError !== 'function') throw new TypeError(`${w}: onError must be a function (err, key) => void`)
  if (typeof now !== 'function') throw new TypeError(`${w}: now must be a function returning ms since the epoch`)
  return {
    store,
    prefix,
    ttl: duration(options.ttl ?? 60_000, 'ttl', false, w),
    grace: duration(options.grace ?? 0, 'grace', true, w),
    lockTtl: duration(options.lockTtl ?? 10_000, 'lockTtl', false, w),
    codec: toBytes(options.codec, w),
    onError,
    now,
  }
}

function duration(ms: number, name: string, zero: boolean, where = 'cache'): number {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0 || (ms === 0 && !zero)) {
    throw new TypeError(`${where}: ${name} must be a ${zero ? 'non-negative' : 'positive'} number of ms, got ${ms}`)
  }
  return ms
}

/** An entry, or `undefined` for none or one the codec cannot read (reported, then treated as a miss). */
function decode(codec: Bytes, bytes: StoreValue | undefined, report: (err: unknown) => void): Entry | undefined {
  if (bytes === undefined) return undefined
  try {
    const e = codec.decode(bytes) as Partial<Entry> | null
    if (e !== null && typeof e === 'object' && typeof e.exp === 'number') return e as Entry
    report(new TypeError('cache: a stored entry is not { v, exp }'))
  } catch (err) {
    report(err)
  }
  return undefined
}
