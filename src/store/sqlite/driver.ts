/** One synchronous SQLite interface over Node's built-in `node:sqlite` (Node ≥ 22.13) and `better-sqlite3`. */
import { createRequire } from 'node:module'
import { requireOptional } from '../../utils/optional.js'

/** A prepared statement: what both drivers share. */
export interface Statement {
  run(...params: unknown[]): { changes: number | bigint }
  get(...params: unknown[]): Record<string, unknown> | undefined
}

/** An open database: what both drivers share. */
export interface Database {
  exec(sql: string): void
  prepare(sql: string): Statement
  close(): void
}

/** Which driver opens the file: `auto` takes `node:sqlite` where Node has it, else `better-sqlite3`. */
export type SqliteDriver = 'auto' | 'node:sqlite' | 'better-sqlite3'

const require = createRequire(import.meta.url)

type NodeSqlite = { DatabaseSync: new (path: string) => Database }
type BetterSqlite = new (path: string) => Database

/** Opens `path` with the chosen driver; the name of the driver used comes back too. */
export function openDatabase(path: string, driver: SqliteDriver): { db: Database; driver: 'node:sqlite' | 'better-sqlite3' } {
  if (driver !== 'better-sqlite3') {
    const builtin = loadBuiltin()
    if (builtin !== undefined) return { db: new builtin.DatabaseSync(path), driver: 'node:sqlite' }
    if (driver === 'node:sqlite') throw new TypeError(`sqliteStore(): driver 'node:sqlite' needs Node 22.13 or later (this is ${process.version})`)
  }
  const Better = requireOptional<BetterSqlite>('better-sqlite3', `sqliteStore() on Node ${process.version} (no node:sqlite)`)
  return { db: new Better(path), driver: 'better-sqlite3' }
}

function loadBuiltin(): NodeSqlite | undefined {
  try {
    // Loaded silently: node:sqlite prints an ExperimentalWarning on Node 22–24 once it is loaded.
    const emit = process.emitWarning
    process.emitWarning = ((w: string | Error, ...rest: unknown[]) => {
      if (String(typeof w === 'string' ? w : w.message).includes('SQLite')) return
      return (emit as (...a: unknown[]) => void).call(process, w, ...rest)
    }) as typeof process.emitWarning
    try {
      return require('node:sqlite') as NodeSqlite
    } finally {
      process.emitWarning = emit
    }
  } catch {
    return undefined
  }
}
