/** The etcd store (`weir/store/etcd`), on etcd3. */
import type { Etcd3 } from 'etcd3'
import { checkTtl, checkValue, commonOptions } from '../helpers.js'
import type { Store, StoreOptions } from '../types.js'
import { connect } from './client.js'
import { increment } from './counter.js'
import { absent, bytes, holds, medium, present, replacedLease } from './medium.js'

/** Options of {@link etcdStore}. */
export interface EtcdStoreOptions extends StoreOptions {
  /** Client URLs of the cluster's members (a list, or one string joined by commas). Default `'http://127.0.0.1:2379'`. */
  hosts?: string | readonly string[]
  /** An etcd3 client of your own, instead of `hosts`; `close()` leaves it open. */
  client?: Etcd3
}

/**
 * A store in etcd: consistent and durable (every write is agreed by the cluster and synced to disk), so it
 * suits locks, leader election and small shared state more than a busy cache. Values are bytes, ttls are
 * leases (whole seconds), and compareAndSet and increment are etcd transactions (see docs/store/etcd.md).
 *
 * @example
 * import { etcdStore } from 'weir/store/etcd'
 * const store = etcdStore({ hosts: ['http://10.0.0.5:2379', 'http://10.0.0.6:2379'], prefix: 'app/' })
 */
export function etcdStore(options: EtcdStoreOptions = {}): Store {
  const { prefix, maxValueBytes, timeout } = commonOptions(options, 'etcdStore()')
  const client = options.client !== undefined ? givenClient(options) : connect(hostList(options.hosts), timeout)
  const m = medium(client, prefix, timeout)
  return {
    name: 'etcd',
    async get(key) {
      const k = m.key(key)
      return (await m.call((c) => c.kv.range({ key: k }))).kvs[0]?.value
    },
    async set(key, value, ttl) {
      checkValue(value, maxValueBytes, 'etcd')
      checkTtl(ttl, 'etcd')
      const k = m.key(key)
      const lease = await m.grant(ttl)
      const res = await m.call((c) => c.kv.put({ key: k, value: bytes(value), lease, prev_kv: true }))
      m.release(res.prev_kv?.lease)
    },
    async delete(key) {
      const k = m.key(key)
      const res = await m.call((c) => c.kv.deleteRange({ key: k, prev_kv: true }))
      m.release(res.prev_kvs[0]?.lease)
      return res.deleted !== '0'
    },
    async touch(key, ttl) {
      checkTtl(ttl, 'etcd')
      const k = m.key(key)
      const lease = await m.grant(ttl)
      // One transaction: if the key exists, put it again with the new lease and its current value.
      const put = { request_put: { key: k, ignore_value: true, lease, prev_kv: true } }
      const res = await m.call((c) => c.kv.txn({ compare: [present(k)], success: [put] }))
      m.release(res.succeeded ? replacedLease(res) : lease)
      return res.succeeded
    },
    async compareAndSet(key, expected, value, ttl) {
      checkValue(value, maxValueBytes, 'etcd')
      checkTtl(ttl, 'etcd')
      const k = m.key(key)
      if (expected === undefined && value === undefined) return (await this.get(key)) === undefined
      const lease = value === undefined ? '0' : await m.grant(ttl)
      const compare = expected === undefined ? absent(k) : holds(k, expected)
      const write = value === undefined ? { request_delete_range: { key: k, prev_kv: true } } : { request_put: { key: k, value: bytes(value), lease, prev_kv: true } }
      const res = await m.call((c) => c.kv.txn({ compare: [compare], success: [write] }))
      m.release(res.succeeded ? replacedLease(res) : lease)
      return res.succeeded
    },
    increment(key, by = 1, ttl) {
      checkTtl(ttl, 'etcd')
      return increment(m, key, by, ttl)
    },
    async close() {
      m.close()
      if (options.client === undefined) client.close()
    },
  }
}

function givenClient(options: EtcdStoreOptions): Etcd3 {
  if (options.hosts !== undefined) throw new TypeError('etcdStore(): give hosts or client, not both')
  const client = options.client as Etcd3
  if (typeof client?.kv?.txn !== 'function' || typeof client.leaseClient?.leaseGrant !== 'function') throw new TypeError('etcdStore(): client must be an etcd3 Etcd3 client')
  return client
}

function hostList(hosts: string | readonly string[] = 'http://127.0.0.1:2379'): string[] {
  const list = typeof hosts === 'string' ? hosts.split(',') : Array.isArray(hosts) ? [...hosts] : []
  const ok = list.length > 0 && list.every((h) => typeof h === 'string' && /^(https?:\/\/)?[^\s,/]+\/?$/.test(h))
  if (!ok) throw new TypeError(`etcdStore(): hosts must be URLs like http://127.0.0.1:2379, got ${JSON.stringify(hosts)}`)
  return list
}
