/** The MySQL store's options: checked once when the store is made, and the pool they describe. */
import type { Pool as CorePool } from 'mysql2'
import type { Pool } from 'mysql2/promise'
import { requireOptional } from '../../utils/optional.js'
import { type Common, commonOptions } from '../helpers.js'
import type { StoreOptions } from '../types.js'

/** Options of {@link mysqlStore}. */
export interface MysqlStoreOptions extends StoreOptions {
  /** A mysql2 pool of yours (promise or callback API); the store uses it and leaves closing it to you. Default: one made from `uri`. */
  pool?: Pool | CorePool
  /** Where to connect when no `pool` is given. Default `'mysql://root@127.0.0.1:3306/test'`. */
  uri?: string
  /** The table, created when missing (letters, digits and `_`, at most 64). Default `'weir_store'`. */
  table?: string
  /** How often expired rows are deleted, ms; `0` never (another process sweeps). Default `60_000`. */
  sweepInterval?: number
  /** Most connections of the pool made from `uri`. Default `10`. */
  connections?: number
}

/** Options resolved and checked. */
export interface Resolved extends Common {
  readonly pool: Pool
  readonly owned: boolean
  readonly table: string
  readonly sweepInterval: number
}

const WHERE = 'mysqlStore()'

/**
 * Checks `options` (a bad one throws `TypeError` naming it) and opens the pool when none was given; the
 * pool connects on first use, so a server that is down fails calls, not this.
 *
 * @example
 * const { pool, table } = resolveOptions({ uri: 'mysql://app@db/app' })
 */
export function resolveOptions(options: MysqlStoreOptions): Resolved {
  const common = commonOptions(options, WHERE)
  const table = options.table ?? 'weir_store'
  if (typeof table !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(table)) throw new TypeError(`${WHERE}: table must be letters, digits and _ (at most 64), got ${JSON.stringify(table)}`)
  const sweepInterval = options.sweepInterval ?? 60_000
  if (!Number.isInteger(sweepInterval) || sweepInterval < 0 || sweepInterval > 2 ** 31 - 1) throw new TypeError(`${WHERE}: sweepInterval must be a whole number of ms (0 for never), got ${sweepInterval}`)
  const connections = options.connections ?? 10
  if (!Number.isInteger(connections) || connections < 1) throw new TypeError(`${WHERE}: connections must be a positive integer, got ${connections}`)
  if (options.pool !== undefined) {
    if (options.uri !== undefined) throw new TypeError(`${WHERE}: give pool or uri, not both`)
    return { ...common, table, sweepInterval, pool: promisePool(options.pool), owned: false }
  }
  const uri = options.uri ?? 'mysql://root@127.0.0.1:3306/test'
  if (typeof uri !== 'string' || !/^(mysql|mariadb):\/\//.test(uri)) throw new TypeError(`${WHERE}: uri must be a mysql:// URL, got ${JSON.stringify(uri)}`)
  return { ...common, table, sweepInterval, pool: openPool(uri, common.timeout, connections), owned: true }
}

// A callback pool has promise(); a promise pool has execute() and getConnection() returning promises.
function promisePool(pool: Pool | CorePool): Pool {
  const p = pool as Partial<CorePool> & Partial<Pool>
  if (typeof p !== 'object' || p === null || typeof p.execute !== 'function' || typeof p.getConnection !== 'function') throw new TypeError(`${WHERE}: pool must be a mysql2 pool`)
  return typeof p.promise === 'function' ? (pool as CorePool).promise() : (pool as Pool)
}

function openPool(uri: string, timeout: number, connections: number): Pool {
  const mysql = requireOptional<typeof import('mysql2')>('mysql2', WHERE)
  // mariadb:// is the same protocol; mysql2 reads the rest of the URL.
  const url = uri.replace(/^mariadb:/, 'mysql:')
  return mysql
    .createPool({
      uri: url,
      connectTimeout: Math.max(timeout, 1_000),
      connectionLimit: connections,
      maxIdle: connections,
      idleTimeout: 60_000,
      enableKeepAlive: true,
    })
    .promise()
}
