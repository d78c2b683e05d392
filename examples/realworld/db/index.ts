/** Opens the app's database: PostgreSQL when a URL is given, else a SQLite file. */
import { openPostgres } from './postgres.js'
import { openSqlite } from './sqlite.js'
import type { Database } from './types.js'

export { type Database, type Executor, type Row, UniqueViolation } from './types.js'

/** Where the data lives. */
export interface DatabaseOptions {
  /** A PostgreSQL URL (`postgres://postgres@127.0.0.1:5432/realworld`). When set, SQLite is not used. */
  url?: string
  /** The SQLite file, created with its folder on first start. Default `.weir/realworld.db`. */
  file?: string
}

/**
 * Opens the database and creates its tables when missing.
 *
 * @example
 * const db = await openDatabase({ url: process.env.DATABASE_URL, file: process.env.SQLITE_FILE })
 */
export async function openDatabase(options: DatabaseOptions = {}): Promise<Database> {
  if (options.url) return openPostgres(options.url)
  return openSqlite(options.file || '.weir/realworld.db')
}
