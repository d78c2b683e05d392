/** `weir/store/mysql`: the store on a MySQL or MariaDB table, through a mysql2 pool. */
import type { ExecuteValues, Pool, PoolConnection, ResultSetHeader, RowDataPacket } from 'mysql2/promise'
import { createError } from '../../errors.js'
import { checkTtl, checkValue, deadline } from '../helpers.js'
import type { Store, StoreValue } from '../types.js'
import { expiresAt, isDuplicate, keyBytes, parseCounter, retryDeadlocks, rowsMatched } from './helpers.js'
import { type MysqlStoreOptions, resolveOptions } from './options.js'
import { SWEEP_BATCH, type Statements, statements } from './sql.js'

export type { MysqlStoreOptions } from './options.js'

type Row = RowDataPacket & { v: Buffer }

/**
 * A store in a MySQL (5.7+) or MariaDB (10.3+) table, shared by every process that reaches the server.
 * The table is created on first use; expired rows are invisible at once and deleted by a periodic sweep.
 * A call the server does not answer within `timeout` rejects with 503; a server that is back is used again
 * without help.
 *
 * @example
 * import { mysqlStore } from 'weir/store/mysql'
 * const store = mysqlStore({ uri: 'mysql://app:secret@db.internal/app', prefix: 'shop:' })
 */
export function mysqlStore(options: MysqlStoreOptions = {}): Store {
  const o = resolveOptions(options)
  const sql = statements(o.table)
  const pool = o.pool
  let closed = false
  let table: Promise<unknown> | undefined
  // Made once per store; a failure (server down) is forgotten so the next call tries again.
  const ready = (): Promise<unknown> => {
    table ??= pool.execute(sql.create).catch((err: unknown) => {
      table = undefined
      throw err
    })
    return table
  }
  const run = <T>(call: () => Promise<T>): Promise<T> => {
    if (closed) return Promise.reject(createError('ERR_STORE_CLOSED', 'This mysql store was closed'))
    return deadline('mysql', o.timeout, () => ready().then(() => retryDeadlocks(call, Date.now() + o.timeout)))
  }
  const key = (k: string) => keyBytes(o.prefix + k)
  const sweeper = o.sweepInterval > 0 ? setInterval(() => void sweep(pool, sql), o.sweepInterval).unref() : undefined

  return {
    name: 'mysql',
    get: (k) => run(async () => (await rows(pool, sql.get, [key(k), Date.now()]))[0]?.v),
    async set(k, value, ttl) {
      checkValue(value, o.maxValueBytes, 'mysql')
      checkTtl(ttl, 'mysql')
      await run(() => pool.execute(sql.set, [key(k), bytes(value), expiresAt(Date.now(), ttl)]))
    },
    delete: (k) => run(async () => (await write(pool, sql.delete, [key(k), Date.now()])).affectedRows > 0),
    async touch(k, ttl) {
      checkTtl(ttl, 'mysql')
      const now = Date.now()
      return run(async () => rowsMatched(await write(pool, sql.touch, [expiresAt(now, ttl), key(k), now])) > 0)
    },
    async compareAndSet(k, expected, value, ttl) {
      checkValue(value, o.maxValueBytes, 'mysql')
      checkValue(expected, Number.POSITIVE_INFINITY, 'mysql')
      checkTtl(ttl, 'mysql')
      return run(() => compareAndSet(pool, sql, key(k), expected, value, ttl))
    },
    async increment(k, by = 1, ttl) {
      if (!Number.isSafeInteger(by)) throw new TypeError(`mysql store: increment() takes a safe integer, got ${by}`)
      checkTtl(ttl, 'mysql')
      const n = await run(() => increment(pool, sql, key(k), by, ttl))
      if (n === undefined) throw new TypeError(`mysql store: ${JSON.stringify(k)} does not hold a counter`)
      return n
    },
    async close() {
      if (closed) return
      closed = true
      clearInterval(sweeper)
      if (o.owned) await pool.end().catch(() => undefined)
    },
  }
}

function bytes(value: StoreValue): Buffer {
  return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength)
}

async function rows(db: Pool | PoolConnection, statement: string, params: ExecuteValues[]): Promise<Row[]> {
  const [result] = await db.execute<Row[]>(statement, params)
  return result
}

async function write(db: Pool | PoolConnection, statement: string, params: ExecuteValues[]): Promise<ResultSetHeader> {
  const [result] = await db.execute<ResultSetHeader>(statement, params)
  return result
}

async function compareAndSet(pool: Pool, sql: Statements, k: Buffer, expected: StoreValue | undefined, value: StoreValue | undefined, ttl: number | undefined): Promise<boolean> {
  const now = Date.now()
  if (expected !== undefined && value !== undefined) return rowsMatched(await write(pool, sql.replace, [bytes(value), expiresAt(now, ttl), k, bytes(expected), now])) > 0
  if (expected !== undefined) return (await write(pool, sql.deleteIf, [k, bytes(expected), now])).affectedRows > 0
  if (value === undefined) return (await rows(pool, sql.exists, [k, now])).length === 0
  return insertIfAbsent(pool, sql, k, bytes(value), expiresAt(now, ttl), now)
}

// A plain INSERT is atomic: the primary key refuses a second taker. An expired row in the way is deleted
// (only if still expired) and the INSERT tried once more; losing that race means someone else took the key.
async function insertIfAbsent(pool: Pool, sql: Statements, k: Buffer, v: Buffer, expires: number | null, now: number): Promise<boolean> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await pool.execute(sql.insert, [k, v, expires])
      return true
    } catch (err) {
      if (!isDuplicate(err)) throw err
    }
    if (attempt === 0 && (await write(pool, sql.deleteExpired, [k, now])).affectedRows === 0) return false
  }
  return false
}

// The upsert locks the row until COMMIT, so reading it back in the same transaction sees our sum and
// nobody else's. `undefined`: the key holds something other than a counter (rolled back, unchanged).
async function increment(pool: Pool, sql: Statements, k: Buffer, by: number, ttl: number | undefined): Promise<number | undefined> {
  const conn = await pool.getConnection()
  try {
    await conn.beginTransaction()
    const now = Date.now()
    await conn.execute(sql.increment, [k, Buffer.from(String(by), 'latin1'), expiresAt(now, ttl), now, by, now])
    const n = parseCounter((await rows(conn, sql.read, [k]))[0]?.v)
    await (n === undefined ? conn.rollback() : conn.commit())
    conn.release()
    return n
  } catch (err) {
    await settle(conn, err)
    throw err
  }
}

// After an error the server answered (a deadlock, say) the connection is sound once rolled back; after
// anything else its transaction state is unknown, so it must not go back to the pool.
async function settle(conn: PoolConnection, err: unknown): Promise<void> {
  if (typeof (err as { sqlState?: unknown })?.sqlState !== 'string') return conn.destroy()
  await conn.rollback().then(
    () => conn.release(),
    () => conn.destroy(),
  )
}

async function sweep(pool: Pool, sql: Statements): Promise<void> {
  try {
    // A few batches per tick at most, so a backlog is cleared over several ticks without long locks.
    for (let i = 0; i < 10; i++) if ((await write(pool, sql.sweep, [Date.now()])).affectedRows < SWEEP_BATCH) return
  } catch {
    // The server is down or busy: the next tick tries again, and reads ignore expired rows meanwhile.
  }
}
