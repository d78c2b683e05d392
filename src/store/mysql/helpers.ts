/** The MySQL store's pure parts: key encoding, expiry times, result reading, counters, deadlock retries. */
import { createHash } from 'node:crypto'
import { KEY_BYTES } from './sql.js'

/**
 * The key column's bytes for a full (prefixed) key: its UTF-8 bytes when they fit in `KEY_BYTES - 1`,
 * else its first `KEY_BYTES - 32` bytes followed by its sha256. A hashed key is exactly `KEY_BYTES` long,
 * so it never equals a key stored as is, and its start still shows the prefix.
 *
 * @example
 * keyBytes('sess:' + id) // Buffer of the UTF-8 bytes
 */
export function keyBytes(key: string): Buffer {
  const raw = Buffer.from(key, 'utf8')
  if (raw.byteLength < KEY_BYTES) return raw
  const digest = createHash('sha256').update(raw).digest()
  return Buffer.concat([raw.subarray(0, KEY_BYTES - digest.byteLength), digest])
}

/**
 * The `expires_at` of a value written now with `ttl` ms: epoch ms on this process's clock, `null` for none.
 *
 * @example
 * expiresAt(Date.now(), 60_000)
 */
export function expiresAt(now: number, ttl: number | undefined): number | null {
  return ttl === undefined ? null : Math.ceil(now + ttl)
}

/** What mysql2 resolves for a statement that returns no rows. */
export interface Header {
  affectedRows: number
  info?: string
}

/**
 * Rows an UPDATE matched: from the server's info line, which says so whatever the client flags (without
 * `FOUND_ROWS`, `affectedRows` counts only rows whose value changed).
 *
 * @example
 * rowsMatched({ affectedRows: 0, info: 'Rows matched: 1  Changed: 0  Warnings: 0' }) // 1
 */
export function rowsMatched(header: Header): number {
  const m = /Rows matched:\s*(\d+)/.exec(header.info ?? '')
  return m ? Number(m[1]) : header.affectedRows
}

/**
 * A counter's value from its stored decimal text, or `undefined` when the bytes are not a safe integer.
 *
 * @example
 * parseCounter(Buffer.from('42')) // 42
 */
export function parseCounter(bytes: Uint8Array | undefined): number | undefined {
  if (bytes === undefined) return undefined
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1')
  if (!/^-?\d{1,16}$/.test(text)) return undefined
  const n = Number(text)
  return Number.isSafeInteger(n) ? n : undefined
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * Runs `fn`, again after InnoDB picked it as a deadlock victim (errno 1213, which concurrent upserts of
 * one new key can meet), with jittered backoff, until `until` (epoch ms) passes.
 *
 * @example
 * await retryDeadlocks(() => pool.execute(sql, params), Date.now() + 1000)
 */
export async function retryDeadlocks<T>(fn: () => Promise<T>, until: number): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn()
    } catch (err) {
      if ((err as { errno?: number })?.errno !== 1213 || Date.now() > until) throw err
      await sleep(Math.random() * 2 ** Math.min(attempt, 5))
    }
  }
}

/** Whether `err` is a duplicate-key refusal (errno 1062). */
export function isDuplicate(err: unknown): boolean {
  return (err as { errno?: number })?.errno === 1062
}
