/** Where rate-limit counters live: the store interface and its in-memory implementation. */

/** A counted hit: how many in the current window (this one included) and when the window ends. */
export interface RateLimitHit {
  /** Hits of the key in the current window, this one included. */
  readonly count: number
  /** Milliseconds until the window ends and the count starts again. */
  readonly resetIn: number
}

/**
 * Counters by key, in fixed windows. Implement it for a shared store (Redis comes with the stores issue);
 * `rateLimitStoreContract` in `store.case.ts` is the suite an implementation must pass.
 *
 * @example
 * const store: RateLimitStore = {
 *   async hit(key, window) {
 *     const count = await redis.incr(key)
 *     if (count === 1) await redis.pexpire(key, window)
 *     return { count, resetIn: await redis.pttl(key) }
 *   },
 * }
 */
export interface RateLimitStore {
  /** Counts a hit for `key` in its window of `window` ms, starting a window if none is running. */
  hit(key: string, window: number): RateLimitHit | Promise<RateLimitHit>
  /** Forgets a key (its next hit starts a new window). */
  reset(key: string): void | Promise<void>
}

/** Options of {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /** Most keys kept; beyond it the oldest window is dropped (that key starts afresh). Default `100_000`. */
  maxKeys?: number
  /** The clock, ms. Default `Date.now`. */
  now?: () => number
}

interface Entry {
  count: number
  end: number
}

/**
 * Fixed-window counters in a `Map`, for one process. Memory is bounded: expired windows are dropped as
 * new keys arrive (oldest first: a key is moved to the end when its window restarts), and past `maxKeys`
 * the oldest key is dropped. No timers. Use one store per `rateLimit()` (a shared store mixing window
 * lengths still works, but frees expired keys later).
 *
 * @example
 * app.use(rateLimit({ max: 100, store: new MemoryStore({ maxKeys: 10_000 }) }))
 */
export class MemoryStore implements RateLimitStore {
  readonly #map = new Map<string, Entry>()
  readonly #max: number
  readonly #now: () => number

  constructor(options: MemoryStoreOptions = {}) {
    this.#max = options.maxKeys ?? 100_000
    this.#now = options.now ?? Date.now
    if (!Number.isInteger(this.#max) || this.#max < 1) throw new TypeError(`MemoryStore: maxKeys must be a positive integer, got ${options.maxKeys}`)
  }

  /** Keys held now. */
  get size(): number {
    return this.#map.size
  }

  hit(key: string, window: number): RateLimitHit {
    const now = this.#now()
    let e = this.#map.get(key)
    if (e === undefined || e.end <= now) {
      if (e !== undefined) this.#map.delete(key)
      else this.#evict(now)
      e = { count: 0, end: now + window }
      this.#map.set(key, e)
    }
    e.count++
    return { count: e.count, resetIn: e.end - now }
  }

  reset(key: string): void {
    this.#map.delete(key)
  }

  #evict(now: number): void {
    for (const [k, e] of this.#map) {
      if (e.end > now) break
      this.#map.delete(k)
    }
    if (this.#map.size >= this.#max) this.#map.delete(this.#map.keys().next().value as string)
  }
}
