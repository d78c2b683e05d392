/** Single-flight: one run of a loader per key in this process (a map of pending promises) and across processes (a store lock). */
import { type Lock, lock } from '../../store/helpers.js'
import type { Store } from '../../store/types.js'

/** An entry as stored: the value and when it goes stale (ms since the epoch, by the cache's clock). */
export interface Entry {
  v: unknown
  exp: number
}

/** What the flights need from their cache; `read` and `write` never reject (store errors are reported). */
export interface FlightDeps {
  readonly store: Store
  readonly lockTtl: number
  readonly now: () => number
  readonly lockKey: (key: string) => string
  readonly read: (key: string) => Promise<Entry | undefined>
  readonly write: (key: string, value: unknown, ttl: number, grace: number) => Promise<void>
  readonly report: (err: unknown, key: string) => void
}

/** A loader run for a key, with the ttl and grace its value is stored with. */
export interface Job<T> {
  readonly key: string
  readonly fn: () => T | Promise<T>
  readonly ttl: number
  readonly grace: number
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))
// A lock call the store could not answer: run unlocked rather than fail (the cache is an optimisation).
const NO_LOCK: Lock = { release: async () => {} }

/**
 * The flights of one cache: `fill` runs a job once per key however many callers and processes miss it
 * together, and resolves what it stored; `refresh` runs a job in the background unless one already runs.
 *
 * @example
 * const f = flights(deps)
 * const user = await f.fill({ key: 'user:1', fn: () => db.user(1), ttl: 60_000, grace: 0 })
 */
export function flights(d: FlightDeps) {
  const pending = new Map<string, Promise<unknown>>()
  const refreshing = new Set<string>()
  const once = <T>(key: string, run: () => Promise<T>): Promise<T> => {
    let p = pending.get(key) as Promise<T> | undefined
    if (p === undefined) {
      p = run().finally(() => pending.delete(key))
      pending.set(key, p)
    }
    return p
  }
  return {
    fill: <T>(job: Job<T>): Promise<T> => once(job.key, () => fill(d, job)),
    refresh<T>(job: Job<T>): void {
      // Kept apart from the fills: a miss during a refresh must get a value, not the refresh's nothing; it
      // meets the refresh at the lock and reads what it stored.
      if (pending.has(job.key) || refreshing.has(job.key)) return
      refreshing.add(job.key)
      refresh(d, job)
        .catch((err: unknown) => d.report(err, job.key))
        .finally(() => refreshing.delete(job.key))
    },
  }
}

async function fill<T>(d: FlightDeps, job: Job<T>): Promise<T> {
  for (;;) {
    const held = await take(d, job.key)
    if (held !== undefined) return holding(d, held, job)
    // Another process is loading it: wait for its value, or for its lock to go (it failed, or died and
    // the lock expired), then try to take the lock ourselves.
    const found = await waitForHolder(d, job.key)
    if (found !== undefined) return found.v as T
  }
}

async function holding<T>(d: FlightDeps, held: Lock, job: Job<T>): Promise<T> {
  try {
    // The holder before us may have stored it between our miss and our lock.
    const e = await d.read(job.key)
    if (e !== undefined && d.now() < e.exp) return e.v as T
    const v = await job.fn()
    await d.write(job.key, v, job.ttl, job.grace)
    return v
  } finally {
    await held.release().catch((err: unknown) => d.report(err, job.key))
  }
}

async function refresh<T>(d: FlightDeps, job: Job<T>): Promise<void> {
  // No waiting: if another process holds the lock, it is refreshing this entry already.
  const held = await take(d, job.key)
  if (held === undefined) return
  try {
    const e = await d.read(job.key)
    if (e !== undefined && d.now() < e.exp) return
    await d.write(job.key, await job.fn(), job.ttl, job.grace)
  } finally {
    await held.release().catch((err: unknown) => d.report(err, job.key))
  }
}

async function take(d: FlightDeps, key: string): Promise<Lock | undefined> {
  try {
    return await lock(d.store, d.lockKey(key), d.lockTtl)
  } catch (err) {
    d.report(err, key)
    return NO_LOCK
  }
}

/** Polls for the holder's value with a small backoff; `undefined` once its lock is gone or lockTtl passed. */
async function waitForHolder(d: FlightDeps, key: string): Promise<Entry | undefined> {
  const start = performance.now()
  let delay = 5
  for (;;) {
    await sleep(delay * (0.5 + Math.random()))
    delay = Math.min(delay * 2, 100)
    const e = await d.read(key)
    if (e !== undefined && d.now() < e.exp) return e
    if (performance.now() - start > d.lockTtl || !(await held(d, key))) return undefined
  }
}

async function held(d: FlightDeps, key: string): Promise<boolean> {
  try {
    return (await d.store.get(d.lockKey(key))) !== undefined
  } catch (err) {
    d.report(err, key)
    return false
  }
}
