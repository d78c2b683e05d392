/** The memcached store (`weir/store/memcached`), on memjs. */
import type { Client } from 'memjs'
import { createError } from '../../errors.js'
import { requireOptional } from '../../utils/optional.js'
import { checkTtl, checkValue, commonOptions, deadline, sameBytes } from '../helpers.js'
import type { Store, StoreOptions } from '../types.js'
import { escapeKey, expiry, memcachedKey } from './keys.js'
import { Op, type Reply, type Request, Status, counterExtras, send, storeExtras, touchExtras } from './protocol.js'

/** Options of {@link memcachedStore}. */
export interface MemcachedStoreOptions extends StoreOptions {
  /** `host:port` of each server (a list, or one string joined by commas). Default `'127.0.0.1:11211'`. */
  servers?: string | readonly string[]
  /** A memjs client of your own, instead of `servers`; `close()` leaves it open. */
  client?: Client
}

/**
 * A store in memcached: shared by every process that reaches the servers, fast, and a cache — memcached
 * may evict any entry when full, so keep nothing there you cannot lose. Any string is a key (escaped, or
 * hashed past memcached's 250 bytes); ttls count whole seconds (see docs/store/memcached.md).
 * compareAndSet uses memcached's CAS tokens and increment its atomic incr, so both are atomic.
 *
 * @example
 * import { memcachedStore } from 'weir/store/memcached'
 * const store = memcachedStore({ servers: ['10.0.0.5:11211', '10.0.0.6:11211'], prefix: 'app:' })
 */
export function memcachedStore(options: MemcachedStoreOptions = {}): Store {
  const { prefix, maxValueBytes, timeout } = commonOptions(options, 'memcachedStore()')
  const escaped = escapeKey(prefix)
  // Leaves room for a hashed key (%# and 43 characters) within memcached's 250 bytes.
  if (escaped.length > 200) throw new TypeError(`memcachedStore(): prefix must be at most 200 bytes once escaped, got ${escaped.length}`)
  const client = options.client !== undefined ? givenClient(options) : connect(serverList(options.servers), timeout)
  let closed = false
  const call = async (r: Request): Promise<Reply> => {
    if (closed) throw createError('ERR_STORE_CLOSED', 'This memcached store was closed')
    return deadline('memcached', timeout, () => send(client, r))
  }
  const key = (k: string): string => memcachedKey(escaped, k)
  const get = async (k: string) => {
    const r = await call({ op: Op.get, key: key(k) })
    return expect(r, Status.ok, Status.notFound) === Status.ok ? r.value : undefined
  }
  return {
    name: 'memcached',
    get,
    async set(k, value, ttl) {
      checkValue(value, maxValueBytes, 'memcached')
      checkTtl(ttl, 'memcached')
      expect(await call({ op: Op.set, key: key(k), extras: storeExtras(expiry(ttl)), value }), Status.ok)
    },
    async delete(k) {
      return expect(await call({ op: Op.delete, key: key(k) }), Status.ok, Status.notFound) === Status.ok
    },
    async touch(k, ttl) {
      checkTtl(ttl, 'memcached')
      return expect(await call({ op: Op.touch, key: key(k), extras: touchExtras(expiry(ttl)) }), Status.ok, Status.notFound) === Status.ok
    },
    async compareAndSet(k, expected, value, ttl) {
      checkValue(value, maxValueBytes, 'memcached')
      checkTtl(ttl, 'memcached')
      if (expected === undefined) {
        if (value === undefined) return (await get(k)) === undefined
        const added = await call({ op: Op.add, key: key(k), extras: storeExtras(expiry(ttl)), value })
        return expect(added, Status.ok, Status.exists, Status.notStored) === Status.ok
      }
      // gets, compare the bytes, then write or delete only that version: memcached answers "exists" if
      // anyone changed the item since (its CAS token moved), so nothing between the two calls is lost.
      const current = await call({ op: Op.get, key: key(k) })
      if (expect(current, Status.ok, Status.notFound) !== Status.ok || !sameBytes(current.value, expected)) return false
      const write: Request =
        value === undefined
          ? { op: Op.delete, key: key(k), cas: current.cas }
          : { op: Op.set, key: key(k), extras: storeExtras(expiry(ttl)), value, cas: current.cas }
      return expect(await call(write), Status.ok, Status.exists, Status.notFound) === Status.ok
    },
    async increment(k, by = 1, ttl) {
      checkTtl(ttl, 'memcached')
      if (!Number.isSafeInteger(by)) throw new TypeError(`memcached store: increment by a safe integer, got ${by}`)
      // One incr that also creates the counter (at `by`, with the ttl) when absent: atomic without a retry.
      const extras = counterExtras(Math.abs(by), Math.max(by, 0), expiry(ttl))
      const r = await call({ op: by < 0 ? Op.decrement : Op.increment, key: key(k), extras })
      if (r.status === Status.notNumeric) throw new TypeError(`memcached store: ${JSON.stringify(k)} does not hold a counter`)
      expect(r, Status.ok)
      return Number(r.value.readBigUInt64BE(0))
    },
    async close() {
      if (!closed && options.client === undefined) client.close()
      closed = true
    },
  }
}

/** The reply's status if it is one of `allowed`; otherwise the error it stands for. */
function expect(reply: Reply, ...allowed: number[]): number {
  if (allowed.includes(reply.status)) return reply.status
  if (reply.status === Status.tooLarge) throw createError('ERR_STORE_VALUE_TOO_LARGE', 'memcached refused the item as larger than its item size limit (memcached -I)')
  throw createError('ERR_STORE_UNAVAILABLE', `The memcached store answered with status 0x${reply.status.toString(16)}`)
}

function givenClient(options: MemcachedStoreOptions): Client {
  if (options.servers !== undefined) throw new TypeError('memcachedStore(): give servers or client, not both')
  const client = options.client as Client
  if (typeof (client as { perform?: unknown }).perform !== 'function') throw new TypeError('memcachedStore(): client must be a memjs Client')
  return client
}

function serverList(servers: string | readonly string[] = '127.0.0.1:11211'): string[] {
  const list = typeof servers === 'string' ? servers.split(',') : Array.isArray(servers) ? [...servers] : []
  const ok = list.length > 0 && list.every((s) => typeof s === 'string' && /^[^\s,/]+$/.test(s))
  if (!ok) throw new TypeError(`memcachedStore(): servers must be host:port strings, got ${JSON.stringify(servers)}`)
  return list
}

function connect(servers: string[], timeout: number): Client {
  const memjs = requireOptional<typeof import('memjs')>('memjs', 'memcachedStore()')
  const seconds = timeout / 1000
  // retries 1: a request is sent once (see protocol.ts); memjs's log lines would repeat our errors.
  return memjs.Client.create(servers.join(','), { retries: 1, timeout: seconds, conntimeout: seconds, keepAlive: true, logger: { log() {} } })
}
