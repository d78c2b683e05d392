/** The data-access interface both drivers implement: SQL with `?` placeholders, rows as plain objects. */

/** A row as the driver returns it: column name → value. */
export type Row = Record<string, unknown>

/** Runs statements; a transaction hands one to its callback. */
export interface Executor {
  /** Every row of a query. */
  all(sql: string, params?: readonly unknown[]): Promise<Row[]>
  /** The first row of a query, or `undefined`. */
  get(sql: string, params?: readonly unknown[]): Promise<Row | undefined>
  /** A statement without rows; resolves with the number of rows it changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>
}

/** An open database: SQLite (a file) or PostgreSQL (a pool). */
export interface Database extends Executor {
  /** Which driver is in use: `node:sqlite`, `better-sqlite3` or `pg`. */
  readonly driver: 'node:sqlite' | 'better-sqlite3' | 'pg'
  /** Runs `fn` in a transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Executor) => Promise<T>): Promise<T>
  /** Closes the file or the pool. */
  close(): Promise<void>
}

/** A UNIQUE constraint refused a write; `column` names the value that is taken (`email`, `username`). */
export class UniqueViolation extends Error {
  readonly column: string

  constructor(column: string, cause: unknown) {
    super(`${column} is already taken`, { cause })
    this.name = 'UniqueViolation'
    this.column = column
  }
}
