/** The etcd calls the store makes: keys, deadlines, leases and the comparisons of its transactions. */
import type { Etcd3, ICompare, IKeyValue, ITxnResponse } from 'etcd3'
import { createError } from '../../errors.js'
import { deadline } from '../helpers.js'
import type { StoreValue } from '../types.js'

/** One store's view of etcd. */
export interface Medium {
  /** The etcd key of a store key. */
  key(k: string): Buffer
  /** Runs one call within the store's timeout; rejects with `ERR_STORE_CLOSED` once closed. */
  call<T>(fn: (client: Etcd3) => Promise<T>): Promise<T>
  /** A new lease of `ttl` ms rounded up to whole seconds; `'0'` (no lease) for no ttl. */
  grant(ttl: number | undefined): Promise<string>
  /** Revokes, in the background, a lease no key uses any more. */
  release(lease: string | undefined): void
  close(): void
}

/**
 * The store's etcd, its keys under `prefix`.
 *
 * @example
 * const m = medium(client, 'app/', 1000)
 * const res = await m.call((c) => c.kv.range({ key: m.key('a') }))
 */
export function medium(client: Etcd3, prefix: string, timeout: number): Medium {
  let closed = false
  const call = async <T>(fn: (client: Etcd3) => Promise<T>): Promise<T> => {
    if (closed) throw createError('ERR_STORE_CLOSED', 'This etcd store was closed')
    return deadline('etcd', timeout, () => fn(client))
  }
  return {
    key(k) {
      if (prefix === '' && k === '') throw new TypeError('etcd store: etcd has no empty key; give the store a prefix to use one')
      return Buffer.from(prefix + k, 'utf8')
    },
    call,
    async grant(ttl) {
      if (ttl === undefined) return '0'
      // etcd leases count whole seconds (and lift any below its minimum, 2 s by default, to it).
      const res = await call((c) => c.leaseClient.leaseGrant({ TTL: Math.ceil(ttl / 1000) }))
      return res.ID
    },
    release(lease) {
      if (lease === undefined || lease === '0' || closed) return
      // Each write attaches a lease of its own; once replaced, nothing holds it. Failing to revoke costs
      // nothing but a lease that lives out its ttl.
      client.leaseClient.leaseRevoke({ ID: lease }, { deadline: Date.now() + timeout }).catch(() => {})
    },
    close() {
      closed = true
    },
  }
}

/** The bytes of a value, without a copy. */
export function bytes(v: StoreValue): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength)
}

/** Compares: the key does not exist. */
export const absent = (key: Buffer): ICompare => ({ key, target: 'Create', result: 'Equal', create_revision: 0 })

/** Compares: the key exists. */
export const present = (key: Buffer): ICompare => ({ key, target: 'Version', result: 'Greater', version: 0 })

/** Compares: the key holds exactly these bytes (false when absent). */
export const holds = (key: Buffer, value: StoreValue): ICompare => ({ key, target: 'Value', result: 'Equal', value: bytes(value) })

/** Compares: nobody wrote the key since `revision`. */
export const unchanged = (key: Buffer, revision: string): ICompare => ({ key, target: 'Mod', result: 'Equal', mod_revision: revision })

/** The lease of the item a transaction's first put or delete replaced. */
export function replacedLease(res: ITxnResponse): string | undefined {
  const op = res.responses[0]
  const prev: IKeyValue | undefined = op?.response_put?.prev_kv ?? op?.response_delete_range?.prev_kvs?.[0]
  return prev?.lease
}
