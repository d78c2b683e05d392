/** increment() on etcd: compare-and-swap on the key's revision until no other writer came between. */
import type { IKeyValue, IRequestOp, ITxnResponse } from 'etcd3'
import { createError } from '../../errors.js'
import { type Medium, absent, unchanged } from './medium.js'

/** Attempts before giving up with 503 `ERR_STORE_CONFLICT`. */
const ATTEMPTS = 1000

/**
 * Adds `by` to the counter at `key`, creating it (at `by`, with a lease of `ttl`) when absent. Each attempt is
 * one transaction: write `n + by` if the key's revision is still the one read (an increment keeps the
 * counter's lease), else read it again in the same round trip and retry.
 *
 * @example
 * const hits = await increment(m, 'hits', 1, 60_000)
 */
export async function increment(m: Medium, key: string, by: number, ttl: number | undefined): Promise<number> {
  if (!Number.isSafeInteger(by)) throw new TypeError(`etcd store: increment by a safe integer, got ${by}`)
  const k = m.key(key)
  const read: IRequestOp = { request_range: { key: k } }
  let lease: string | undefined
  try {
    let kv: IKeyValue | undefined = (await m.call((c) => c.kv.range({ key: k }))).kvs[0]
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      let res: ITxnResponse
      if (kv === undefined) {
        lease ??= await m.grant(ttl)
        const put: IRequestOp = { request_put: { key: k, value: Buffer.from(String(by)), lease } }
        res = await m.call((c) => c.kv.txn({ compare: [absent(k)], success: [put], failure: [read] }))
        if (res.succeeded) {
          lease = undefined
          return by
        }
      } else {
        const n = counter(kv.value, key) + by
        const put: IRequestOp = { request_put: { key: k, value: Buffer.from(String(n)), ignore_lease: true } }
        res = await m.call((c) => c.kv.txn({ compare: [unchanged(k, kv!.mod_revision)], success: [put], failure: [read] }))
        if (res.succeeded) return n
      }
      kv = res.responses[0]?.response_range?.kvs[0]
      // Spread writers that keep colliding (other processes; see the docs).
      if (attempt > 2) await new Promise((r) => setTimeout(r, Math.random() * 2 ** Math.min(attempt, 6)))
    }
    throw createError('ERR_STORE_CONFLICT', `${ATTEMPTS} attempts to increment ${JSON.stringify(key)} in the etcd store met concurrent writers`)
  } finally {
    m.release(lease)
  }
}

function counter(value: Buffer, key: string): number {
  const text = value.toString('latin1')
  const n = Number(text)
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(n)) throw new TypeError(`etcd store: ${JSON.stringify(key)} does not hold a counter`)
  return n
}
