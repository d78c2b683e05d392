/** The MySQL store's table and statements; every read and write treats an expired row as absent. */

/** Longest key column, bytes; longer keys are stored as their first bytes plus a sha256 (see `keyBytes`). */
export const KEY_BYTES = 512

/** Most expired rows one sweep statement deletes, so a sweep never holds locks for long. */
export const SWEEP_BATCH = 1_000

/** The statements of one table, its name already checked and quoted. */
export interface Statements {
  readonly create: string
  readonly get: string
  readonly set: string
  readonly delete: string
  readonly touch: string
  readonly insert: string
  readonly deleteExpired: string
  readonly replace: string
  readonly deleteIf: string
  readonly exists: string
  readonly increment: string
  readonly read: string
  readonly sweep: string
}

// A row is live when it has no expiry or expires after the time given as the parameter here.
const LIVE = '(expires_at IS NULL OR expires_at > ?)'

/**
 * The SQL for table `name` (already checked to be a plain identifier).
 *
 * @example
 * const sql = statements('weir_store')
 * await pool.execute(sql.get, [key, Date.now()])
 */
export function statements(name: string): Statements {
  const t = `\`${name}\``
  return {
    create: `CREATE TABLE IF NOT EXISTS ${t} (k VARBINARY(${KEY_BYTES}) NOT NULL PRIMARY KEY, v LONGBLOB NOT NULL, expires_at BIGINT NULL, INDEX (expires_at)) ENGINE=InnoDB`,
    get: `SELECT v FROM ${t} WHERE k = ? AND ${LIVE}`,
    // VALUES(col) works on MariaDB and MySQL (MySQL 8.0.20 deprecates it for a row alias MariaDB lacks).
    set: `INSERT INTO ${t} (k, v, expires_at) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE v = VALUES(v), expires_at = VALUES(expires_at)`,
    delete: `DELETE FROM ${t} WHERE k = ? AND ${LIVE}`,
    touch: `UPDATE ${t} SET expires_at = ? WHERE k = ? AND ${LIVE}`,
    insert: `INSERT INTO ${t} (k, v, expires_at) VALUES (?, ?, ?)`,
    deleteExpired: `DELETE FROM ${t} WHERE k = ? AND expires_at <= ?`,
    replace: `UPDATE ${t} SET v = ?, expires_at = ? WHERE k = ? AND v = ? AND ${LIVE}`,
    deleteIf: `DELETE FROM ${t} WHERE k = ? AND v = ? AND ${LIVE}`,
    exists: `SELECT 1 FROM ${t} WHERE k = ? AND ${LIVE}`,
    // v is assigned before expires_at, so both conditions read the old expiry. A value that is not a
    // decimal counter is left as it is (the caller reads it back and refuses it); CAST AS SIGNED keeps the
    // sum an exact BIGINT (a DOUBLE would print as 1e15). MySQL 8.0.22+ refuses REGEXP on binary strings,
    // hence the cast to text first.
    increment:
      `INSERT INTO ${t} (k, v, expires_at) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE ` +
      `v = IF(${LIVE}, IF(CAST(v AS CHAR CHARACTER SET latin1) REGEXP '^-?[0-9]{1,16}$', CAST(CAST(v AS SIGNED) + CAST(? AS SIGNED) AS CHAR), v), VALUES(v)), ` +
      `expires_at = IF(${LIVE}, expires_at, VALUES(expires_at))`,
    read: `SELECT v FROM ${t} WHERE k = ?`,
    sweep: `DELETE FROM ${t} WHERE expires_at <= ? LIMIT ${SWEEP_BATCH}`,
  }
}
