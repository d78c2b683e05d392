/** The one store interface sessions, caches and rate limits share, whatever the medium. */

/** A value as stored: bytes (encode text or JSON yourself, or use `jsonCodec`). */
export type StoreValue = Uint8Array

/**
 * A key-value store with expiry and the atomic operations that keep concurrent writers correct.
 * Every method rejects with an `HttpError` of status 503 (`ERR_STORE_UNAVAILABLE`, `ERR_STORE_TIMEOUT`)
 * when the medium cannot answer in time, never hangs, and works again by itself when the medium is back.
 * Keys are any string (a store encodes what its medium cannot hold); `ttl` is in milliseconds,
 * `undefined` for no expiry.
 *
 * @example
 * const store = memoryStore()
 * await store.set('greeting', new TextEncoder().encode('hi'), 60_000)
 * const bytes = await store.get('greeting')
 */
export interface Store {
  /** The medium, for logs and errors (`memory`, `redis`, …). */
  readonly name: string
  /** The value, or `undefined` when absent or expired. */
  get(key: string): Promise<StoreValue | undefined>
  /** Stores `value`, replacing any, expiring after `ttl` ms. */
  set(key: string, value: StoreValue, ttl?: number): Promise<void>
  /** Removes the key; `true` if it was there. */
  delete(key: string): Promise<boolean>
  /** Restarts the expiry of a present key at `ttl` ms; `false` if absent. */
  touch(key: string, ttl: number): Promise<boolean>
  /**
   * Atomically: if the key's value equals `expected` byte for byte (`undefined`: the key is absent), sets
   * it to `value` (`undefined`: deletes it) with `ttl`, and resolves `true`; otherwise changes nothing and
   * resolves `false`. Sessions, locks and {@link update} build on it.
   */
  compareAndSet(key: string, expected: StoreValue | undefined, value: StoreValue | undefined, ttl?: number): Promise<boolean>
  /** Atomically adds `by` (default 1) to a counter, created at 0 with `ttl` when absent; resolves the new count. */
  increment(key: string, by?: number, ttl?: number): Promise<number>
  /** Closes connections and timers; later calls reject with `ERR_STORE_CLOSED`. */
  close(): Promise<void>
}

/** Options every store takes. */
export interface StoreOptions {
  /** Prepended to every key, so apps and test runs sharing a server do not meet. Default `''`. */
  prefix?: string
  /** Largest value, bytes; larger is refused with `ERR_STORE_VALUE_TOO_LARGE`. Default `1_048_576` (1 MiB). */
  maxValueBytes?: number
  /** Longest a networked call may take before it rejects with 503 `ERR_STORE_TIMEOUT`, ms. Default `1_000`. */
  timeout?: number
}
