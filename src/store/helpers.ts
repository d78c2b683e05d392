/** What every store shares: option checks, errors, deadlines, and the operations built on compareAndSet. */
import { randomBytes } from 'node:crypto'
import { type HttpError, createError } from '../errors.js'
import type { Store, StoreOptions, StoreValue } from './types.js'

/** Resolved common options. */
export interface Common {
  readonly prefix: string
  readonly maxValueBytes: number
  readonly timeout: number
}

/** Checks the options every store takes, once, when the store is made; a bad one throws `TypeError`. */
export function commonOptions(o: StoreOptions, where: string): Common {
  const prefix = o.prefix ?? ''
  if (typeof prefix !== 'string') throw new TypeError(`${where}: prefix must be a string`)
  const maxValueBytes = o.maxValueBytes ?? 1 << 20
  if (!Number.isInteger(maxValueBytes) || maxValueBytes < 1) throw new TypeError(`${where}: maxValueBytes must be a positive integer, got ${maxValueBytes}`)
  const timeout = o.timeout ?? 1_000
  if (!(timeout > 0) || !Number.isFinite(timeout)) throw new TypeError(`${where}: timeout must be a positive number of ms, got ${timeout}`)
  return { prefix, maxValueBytes, timeout }
}

/** Refuses a value over the limit (413 `ERR_STORE_VALUE_TOO_LARGE`) or one that is not bytes (`TypeError`). */
export function checkValue(value: StoreValue | undefined, max: number, store: string): void {
  if (value === undefined) return
  if (!(value instanceof Uint8Array)) throw new TypeError(`${store} store: values are Uint8Array (encode text or JSON first, e.g. with jsonCodec)`)
  if (value.byteLength > max) throw createError('ERR_STORE_VALUE_TOO_LARGE', `A ${value.byteLength}-byte value is over the ${store} store's maxValueBytes (${max})`)
}

/** Refuses a ttl that is not a positive finite number of ms (`undefined` means no expiry). */
export function checkTtl(ttl: number | undefined, store: string): void {
  if (ttl === undefined) return
  if (!(ttl > 0) || !Number.isFinite(ttl)) throw new TypeError(`${store} store: ttl must be a positive number of ms, got ${ttl}`)
}

/** Whether two values hold the same bytes. */
export function sameBytes(a: StoreValue | undefined, b: StoreValue | undefined): boolean {
  if (a === undefined || b === undefined) return a === b
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b)
}

/** 503 `ERR_STORE_UNAVAILABLE`, naming the store and the cause. */
export function unavailable(store: string, cause: unknown): HttpError {
  const why = cause instanceof Error ? cause.message : String(cause)
  return createError('ERR_STORE_UNAVAILABLE', `The ${store} store cannot be reached: ${why}`, { cause })
}

/**
 * Runs one call to a networked medium with a deadline: rejects with 503 `ERR_STORE_TIMEOUT` after `ms`,
 * and turns any failure that is not already an `HttpError` into 503 `ERR_STORE_UNAVAILABLE`.
 *
 * @example
 * const value = await deadline('redis', 1000, () => client.getBuffer(key))
 */
export function deadline<T>(store: string, ms: number, call: () => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(createError('ERR_STORE_TIMEOUT', `The ${store} store did not answer within ${ms} ms`)), ms)
    let p: Promise<T>
    try {
      p = call()
    } catch (err) {
      p = Promise.reject(err)
    }
    p.then(
      (v) => {
        clearTimeout(timer)
        resolve(v)
      },
      (err: unknown) => {
        clearTimeout(timer)
        reject(isHttpError(err) ? err : unavailable(store, err))
      },
    )
  })
}

function isHttpError(err: unknown): err is HttpError {
  return err instanceof Error && typeof (err as { status?: unknown }).status === 'number' && typeof (err as { code?: unknown }).code === 'string'
}

/** Options of {@link update}. */
export interface UpdateOptions {
  /** Expiry of the new value, ms. Default: none. */
  ttl?: number
  /** Attempts before giving up with 503 `ERR_STORE_CONFLICT`. Default `32`. */
  retries?: number
}

/**
 * Read-modify-write that loses no concurrent write: reads the value, calls `fn` with it, and writes the
 * result only if nobody changed the value meanwhile (`compareAndSet`), else reads and calls `fn` again.
 * `fn` returns the new value, or `undefined` to delete the key. Resolves the value written.
 *
 * @example
 * await update(store, 'visits', (v) => encode(String(Number(decode(v) ?? 0) + 1)))
 */
export async function update(store: Store, key: string, fn: (current: StoreValue | undefined) => StoreValue | undefined, options: UpdateOptions = {}): Promise<StoreValue | undefined> {
  const retries = options.retries ?? 32
  for (let attempt = 0; attempt < retries; attempt++) {
    const current = await store.get(key)
    const next = fn(current)
    if (await store.compareAndSet(key, current, next, options.ttl)) return next
    // Back off a little, with jitter, so writers that keep colliding spread out (at most ~64 ms a round).
    if (attempt > 2) await new Promise((r) => setTimeout(r, Math.random() * 2 ** Math.min(attempt, 6)))
  }
  throw createError('ERR_STORE_CONFLICT', `${retries} attempts to update ${JSON.stringify(key)} in the ${store.name} store met concurrent writers`)
}

/** A held lock: `release()` frees it if still ours (it also expires by itself at its ttl). */
export interface Lock {
  release(): Promise<void>
}

/**
 * Takes the lock `key` for `ttl` ms if nobody holds it — across processes and machines when the store is
 * shared (Redis, MySQL, memcached, etcd, SQLite or file on one machine). Resolves `undefined` when held.
 *
 * @example
 * const held = await lock(store, 'report:build', 30_000)
 * if (held) try { await build() } finally { await held.release() }
 */
export async function lock(store: Store, key: string, ttl: number): Promise<Lock | undefined> {
  const token = randomBytes(16)
  if (!(await store.compareAndSet(key, undefined, token, ttl))) return undefined
  return { release: () => store.compareAndSet(key, token, undefined).then(() => undefined) }
}

/**
 * JSON to and from store bytes.
 *
 * @example
 * await store.set('user:1', jsonCodec.encode({ name: 'Ada' }))
 * const user = jsonCodec.decode(await store.get('user:1'))
 */
export const jsonCodec = {
  encode(value: unknown): StoreValue {
    return Buffer.from(JSON.stringify(value))
  },
  decode<T = unknown>(bytes: StoreValue | undefined): T | undefined {
    return bytes === undefined ? undefined : (JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')) as T)
  },
}
