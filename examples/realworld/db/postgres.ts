/** The PostgreSQL driver on `pg`'s pool; the app's `?` placeholders become `$1`, `$2`, … */
import type { Pool, PoolClient } from 'pg'
import { schema } from './schema.js'
import { type Database, type Executor, type Row, UniqueViolation } from './types.js'

/**
 * Connects to `url` (`postgres://user@host:5432/db`) and creates the tables when missing.
 *
 * @example
 * const db = await openPostgres(process.env.DATABASE_URL)
 */
export async function openPostgres(url: string): Promise<Database> {
  const { default: pg } = await import('pg')
  const pool = new pg.Pool({ connectionString: url, max: 10 })
  // An idle client losing its connection emits on the pool; without a listener that would end the process.
  pool.on('error', (err) => console.error('realworld: idle PostgreSQL client failed:', err.message))
  try {
    await pool.query(schema('postgres'))
  } catch (err) {
    await pool.end()
    throw err
  }
  return new PostgresDatabase(pool)
}

class PostgresDatabase implements Database {
  readonly driver = 'pg'
  readonly #pool: Pool

  constructor(pool: Pool) {
    this.#pool = pool
  }

  all(sql: string, params?: readonly unknown[]): Promise<Row[]> {
    return executor(this.#pool).all(sql, params)
  }

  get(sql: string, params?: readonly unknown[]): Promise<Row | undefined> {
    return executor(this.#pool).get(sql, params)
  }

  run(sql: string, params?: readonly unknown[]): Promise<number> {
    return executor(this.#pool).run(sql, params)
  }

  async transaction<T>(fn: (tx: Executor) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect()
    try {
      await client.query('BEGIN')
      const out = await fn(executor(client))
      await client.query('COMMIT')
      return out
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {})
      throw err
    } finally {
      client.release()
    }
  }

  close(): Promise<void> {
    return this.#pool.end()
  }
}

function executor(on: Pool | PoolClient): Executor {
  const query = async (sql: string, params: readonly unknown[] = []) => {
    try {
      return await on.query(numbered(sql), params as unknown[])
    } catch (err) {
      const e = err as { code?: string; detail?: string }
      // 23505 unique_violation; the detail reads `Key (email)=(a@b.c) already exists.`
      if (e.code === '23505') throw new UniqueViolation(/Key \((\w+)\)/.exec(e.detail ?? '')?.[1] ?? 'value', err)
      throw err
    }
  }
  return {
    all: async (sql, params) => (await query(sql, params)).rows as Row[],
    get: async (sql, params) => (await query(sql, params)).rows[0] as Row | undefined,
    run: async (sql, params) => (await query(sql, params)).rowCount ?? 0,
  }
}

const cache = new Map<string, string>()

/** `?` → `$n`. The app's SQL has no `?` inside string literals, so a plain scan is enough. */
function numbered(sql: string): string {
  let out = cache.get(sql)
  if (out === undefined) {
    let n = 0
    out = sql.replace(/\?/g, () => `$${++n}`)
    cache.set(sql, out)
  }
  return out
}
