/** Rate-limit counters in any weir `Store` (Redis, MySQL, …): exact across processes and machines. */
import type { Store } from '../../store/types.js'
import type { RateLimitHit, RateLimitStore } from './store.js'

/** Options of {@link storeCounter}. */
export interface StoreCounterOptions {
  /** Prepended to the counter keys. Default `'ratelimit:'`. */
  prefix?: string
  /** The clock, ms. Default `Date.now`. */
  now?: () => number
}

/**
 * Counts in a shared `Store` with fixed windows aligned on the clock (`floor(now / window)`), one atomic
 * `increment` per request: every process sharing the store counts against the same number, so the limit
 * holds across processes and machines (whose clocks should agree to well within a window). A store that
 * is down answers 503 (`ERR_STORE_UNAVAILABLE`), never lets requests through unseen.
 *
 * @example
 * import { redisStore } from 'weir/store/redis'
 * app.use(rateLimit({ max: 100, store: storeCounter(redisStore()) }))
 */
export function storeCounter(store: Store, options: StoreCounterOptions = {}): RateLimitStore {
  const prefix = options.prefix ?? 'ratelimit:'
  const now = options.now ?? Date.now
  const keyOf = (key: string, window: number, index: number) => `${prefix}${window}:${index}:${key}`
  const windows = new Set<number>()
  return {
    async hit(key: string, window: number): Promise<RateLimitHit> {
      windows.add(window)
      const t = now()
      const index = Math.floor(t / window)
      // The counter outlives its window a little, so a slow clock elsewhere still finds it.
      const count = await store.increment(keyOf(key, window, index), 1, window + 1_000)
      return { count, resetIn: (index + 1) * window - t }
    },
    async reset(key: string): Promise<void> {
      // Forgets the current window of every window length this counter has seen.
      for (const window of windows) await store.delete(keyOf(key, window, Math.floor(now() / window)))
    },
  }
}
