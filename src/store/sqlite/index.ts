/** The SQLite store: one file, WAL mode, an expiry index — shared by the processes of one machine. */
import { mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { createError } from '../../errors.js'
import { checkTtl, checkValue, commonOptions, sameBytes } from '../helpers.js'
import type { Store, StoreOptions, StoreValue } from '../types.js'
import { type SqliteDriver, openDatabase } from './driver.js'
import { type Queries, prepare } from './queries.js'

/** Options of {@link sqliteStore}. */
export interface SqliteStoreOptions extends StoreOptions {
  /** The database file (created if missing), or `':memory:'`. Default `.weir/store.db` under the working directory. */
  path?: string
  /** The table. Default `weir_store`. */
  table?: string
  /** `auto` (default) uses Node's built-in `node:sqlite` where Node has it (22.13+), else `better-sqlite3` (`npm install better-sqlite3`). */
  driver?: SqliteDriver
  /** How often expired rows are deleted, ms. Default `60_000`. */
  sweepInterval?: number
}

/**
 * A store in a SQLite file: survives restarts, needs no server, and is shared by the processes of one
 * machine (WAL mode; writes take SQLite's write lock, waiting up to `timeout` for another process, then
 * 503 `ERR_STORE_TIMEOUT`). compareAndSet and increment run in one `BEGIN IMMEDIATE` transaction.
 *
 * @example
 * import { sqliteStore } from 'weir/store/sqlite'
 * const store = sqliteStore({ path: '/var/lib/myapp/state.db' })
 */
export function sqliteStore(options: SqliteStoreOptions = {}): Store {
  const { prefix, maxValueBytes, timeout } = commonOptions(options, 'sqliteStore()')
  const table = options.table ?? 'weir_store'
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(table)) throw new TypeError(`sqliteStore(): table must be a plain SQL identifier, got ${JSON.stringify(table)}`)
  const interval = options.sweepInterval ?? 60_000
  if (!(interval > 0)) throw new TypeError(`sqliteStore(): sweepInterval must be a positive number of ms, got ${interval}`)
  const path = options.path === ':memory:' ? ':memory:' : resolve(options.path ?? '.weir/store.db')
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  const { db } = openDatabase(path, options.driver ?? 'auto')
  const q = prepare(db, table, timeout)
  const sweeper = setInterval(() => guard(() => q.sweep.run(Date.now())), interval)
  sweeper.unref()
  let closed = false
  const run = <T>(fn: () => T): Promise<T> => {
    if (closed) return Promise.reject(createError('ERR_STORE_CLOSED', 'This SQLite store was closed'))
    try {
      return Promise.resolve(guard(fn))
    } catch (err) {
      return Promise.reject(err)
    }
  }
  const k = (key: string) => prefix + key
  return {
    name: 'sqlite',
    get: (key) => run(() => current(q, k(key))),
    set: (key, value, ttl) => run(() => {
      checkValue(value, maxValueBytes, 'sqlite')
      checkTtl(ttl, 'sqlite')
      q.upsert.run(k(key), value, expiry(ttl))
    }),
    delete: (key) => run(() => Number(q.remove.run(k(key), Date.now()).changes) > 0),
    touch: (key, ttl) => run(() => {
      checkTtl(ttl, 'sqlite')
      return Number(q.touch.run(expiry(ttl), k(key), Date.now()).changes) > 0
    }),
    compareAndSet: (key, expected, value, ttl) => run(() => {
      checkValue(value, maxValueBytes, 'sqlite')
      checkTtl(ttl, 'sqlite')
      return q.transaction(() => {
        if (!sameBytes(current(q, k(key)), expected)) return false
        if (value === undefined) q.drop.run(k(key))
        else q.upsert.run(k(key), value, expiry(ttl))
        return true
      })
    }),
    increment: (key, by = 1, ttl) => run(() => {
      checkTtl(ttl, 'sqlite')
      return q.transaction(() => {
        const row = q.select.get(k(key), Date.now())
        const n = (row === undefined ? 0 : Number(Buffer.from(row.v as Uint8Array).toString('latin1'))) + by
        if (!Number.isSafeInteger(n)) throw new TypeError(`sqlite store: ${JSON.stringify(key)} does not hold a counter`)
        // A counter keeps the expiry it was created with.
        q.upsert.run(k(key), Buffer.from(String(n), 'latin1'), row === undefined ? expiry(ttl) : (row.exp ?? null))
        return n
      })
    }),
    async close() {
      if (closed) return
      closed = true
      clearInterval(sweeper)
      db.close()
    },
  }
}

function current(q: Queries, key: string): StoreValue | undefined {
  const row = q.select.get(key, Date.now())
  return row === undefined ? undefined : Buffer.from(row.v as Uint8Array)
}

function expiry(ttl: number | undefined): number | null {
  return ttl === undefined ? null : Date.now() + Math.ceil(ttl)
}

/** SQLite's "busy" (another process holds the write lock past busy_timeout) is a 503 like a slow server. */
function guard<T>(fn: () => T): T {
  try {
    return fn()
  } catch (err) {
    const code = String((err as { code?: unknown; errcode?: unknown }).code ?? '')
    if (code.startsWith('SQLITE_BUSY') || /database is locked/i.test(String((err as Error).message))) {
      throw createError('ERR_STORE_TIMEOUT', 'The SQLite database stayed locked by another process past the store timeout', { cause: err })
    }
    throw err
  }
}
