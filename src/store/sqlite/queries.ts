/** The SQLite store's schema and prepared statements. */
import type { Database, Statement } from './driver.js'

/** The statements the store runs, and a transaction helper. */
export interface Queries {
  select: Statement
  upsert: Statement
  remove: Statement
  drop: Statement
  touch: Statement
  sweep: Statement
  transaction<T>(fn: () => T): T
}

const LIVE = '(exp IS NULL OR exp > ?)'

/** Creates the table and index if missing (WAL mode, busy timeout) and prepares every statement. */
export function prepare(db: Database, table: string, busyMs: number): Queries {
  // busy_timeout first: switching to WAL needs a moment of exclusive access another process may hold.
  db.exec(`PRAGMA busy_timeout = ${Math.ceil(busyMs)}; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;`)
  db.exec(`CREATE TABLE IF NOT EXISTS ${table} (k TEXT PRIMARY KEY, v BLOB NOT NULL, exp INTEGER) WITHOUT ROWID`)
  db.exec(`CREATE INDEX IF NOT EXISTS ${table}_exp ON ${table} (exp) WHERE exp IS NOT NULL`)
  const begin = db.prepare('BEGIN IMMEDIATE')
  const commit = db.prepare('COMMIT')
  const rollback = db.prepare('ROLLBACK')
  return {
    select: db.prepare(`SELECT v, exp FROM ${table} WHERE k = ? AND ${LIVE}`),
    upsert: db.prepare(`INSERT INTO ${table} (k, v, exp) VALUES (?, ?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v, exp = excluded.exp`),
    remove: db.prepare(`DELETE FROM ${table} WHERE k = ? AND ${LIVE}`),
    drop: db.prepare(`DELETE FROM ${table} WHERE k = ?`),
    touch: db.prepare(`UPDATE ${table} SET exp = ? WHERE k = ? AND ${LIVE}`),
    sweep: db.prepare(`DELETE FROM ${table} WHERE k IN (SELECT k FROM ${table} WHERE exp IS NOT NULL AND exp <= ? LIMIT 1000)`),
    transaction(fn) {
      begin.run()
      try {
        const out = fn()
        commit.run()
        return out
      } catch (err) {
        rollback.run()
        throw err
      }
    },
  }
}
