/**
 * The SQLite driver: Node's built-in `node:sqlite` where the running Node has it (22.13+), else the
 * `better-sqlite3` package. Both are synchronous and share the API used here (`prepare`, `all`, `get`, `run`).
 */
import { mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname } from 'node:path'
import { schema } from './schema.js'
import { type Database, type Executor, type Row, UniqueViolation } from './types.js'

interface Statement {
  all(...params: unknown[]): Row[]
  get(...params: unknown[]): Row | undefined
  run(...params: unknown[]): { changes: number | bigint }
}

interface Connection {
  exec(sql: string): void
  prepare(sql: string): Statement
  close(): void
}

const require = createRequire(import.meta.url)

/**
 * Opens (and creates, with its folder and tables) the SQLite file at `path`; `':memory:'` for a throwaway one.
 *
 * @example
 * const db = openSqlite('.weir/realworld.db')
 * const row = await db.get('SELECT COUNT(*) AS n FROM users')
 */
export function openSqlite(path: string): Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  const { conn, driver } = connect(path)
  // busy_timeout first: a second process opening the file then waits for the WAL switch instead of failing.
  conn.exec('PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;')
  conn.exec(schema('sqlite'))
  return new SqliteDatabase(conn, driver)
}

class SqliteDatabase implements Database {
  readonly driver: 'node:sqlite' | 'better-sqlite3'
  readonly #conn: Connection
  readonly #statements = new Map<string, Statement>()
  /** Set while a transaction runs: other statements wait for it, so they never land inside it. */
  #busy: Promise<void> | undefined
  /** Runs statements at once; the transaction's callback gets it. */
  readonly #direct: Executor = {
    all: async (sql, params = []) => this.#call(sql, params, (s, p) => s.all(...p)),
    get: async (sql, params = []) => this.#call(sql, params, (s, p) => s.get(...p)),
    run: async (sql, params = []) => Number(this.#call(sql, params, (s, p) => s.run(...p)).changes),
  }

  constructor(conn: Connection, driver: 'node:sqlite' | 'better-sqlite3') {
    this.#conn = conn
    this.driver = driver
  }

  async all(sql: string, params?: readonly unknown[]): Promise<Row[]> {
    while (this.#busy !== undefined) await this.#busy
    return this.#direct.all(sql, params)
  }

  async get(sql: string, params?: readonly unknown[]): Promise<Row | undefined> {
    while (this.#busy !== undefined) await this.#busy
    return this.#direct.get(sql, params)
  }

  async run(sql: string, params?: readonly unknown[]): Promise<number> {
    while (this.#busy !== undefined) await this.#busy
    return this.#direct.run(sql, params)
  }

  async transaction<T>(fn: (tx: Executor) => Promise<T>): Promise<T> {
    // Checked and taken in the same tick: no other statement can start between the two.
    while (this.#busy !== undefined) await this.#busy
    let release = () => {}
    this.#busy = new Promise<void>((resolve) => {
      release = resolve
    })
    try {
      this.#conn.exec('BEGIN IMMEDIATE')
      try {
        const out = await fn(this.#direct)
        this.#conn.exec('COMMIT')
        return out
      } catch (err) {
        this.#conn.exec('ROLLBACK')
        throw err
      }
    } finally {
      this.#busy = undefined
      release()
    }
  }

  async close(): Promise<void> {
    while (this.#busy !== undefined) await this.#busy
    this.#conn.close()
  }

  #call<T>(sql: string, params: readonly unknown[], fn: (s: Statement, p: unknown[]) => T): T {
    let statement = this.#statements.get(sql)
    if (statement === undefined) {
      statement = this.#conn.prepare(sql)
      this.#statements.set(sql, statement)
    }
    try {
      return fn(statement, params.map((p) => (p === undefined ? null : p)))
    } catch (err) {
      const taken = /UNIQUE constraint failed: \w+\.(\w+)/.exec(String((err as Error).message))
      throw taken ? new UniqueViolation(taken[1] as string, err) : err
    }
  }
}

function connect(path: string): { conn: Connection; driver: 'node:sqlite' | 'better-sqlite3' } {
  const builtin = loadBuiltin()
  if (builtin !== undefined) return { conn: new builtin.DatabaseSync(path), driver: 'node:sqlite' }
  const Better = require('better-sqlite3') as new (path: string) => Connection
  return { conn: new Better(path), driver: 'better-sqlite3' }
}

function loadBuiltin(): { DatabaseSync: new (path: string) => Connection } | undefined {
  // node:sqlite prints an ExperimentalWarning once loaded (Node 22–24); this app opts in knowingly.
  const emit = process.emitWarning
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    if (String(typeof warning === 'string' ? warning : warning.message).includes('SQLite')) return
    return (emit as (...args: unknown[]) => void).call(process, warning, ...rest)
  }) as typeof process.emitWarning
  try {
    return require('node:sqlite') as { DatabaseSync: new (path: string) => Connection }
  } catch {
    return undefined
  } finally {
    process.emitWarning = emit
  }
}
