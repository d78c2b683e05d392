/** `weir/store/redis`: the store on a Redis server (ioredis), shared by every process that reaches it. */
import type { Redis } from 'ioredis'
import { createError } from '../../errors.js'
import { checkTtl, checkValue, commonOptions, deadline } from '../helpers.js'
import type { Store, StoreOptions, StoreValue } from '../types.js'
import { ownClient } from './client.js'
import { COMPARE_AND_SET, INCREMENT, runScript } from './scripts.js'

/** Options of {@link redisStore}. */
export interface RedisStoreOptions extends StoreOptions {
  /**
   * An ioredis client of yours; the store uses it as configured and never closes it. Give `client` or
   * `url`, not both.
   */
  client?: Redis
  /** Where Redis is, when the store makes its own client (`redis://` or `rediss://` for TLS, with user, password and database). Default `redis://127.0.0.1:6379`. */
  url?: string
}

/**
 * A store on Redis: values as raw bytes, expiry by Redis (ms), compareAndSet and increment atomic in Lua,
 * shared by every process and machine that reaches the server. Each call is bounded by `timeout`; while
 * Redis is away calls reject with 503, and the store's own client reconnects by itself. Needs `ioredis`.
 *
 * @example
 * import { redisStore } from 'weir/store/redis'
 * const store = redisStore({ url: process.env.REDIS_URL, prefix: 'myapp:' })
 */
export function redisStore(options: RedisStoreOptions = {}): Store {
  const { prefix, maxValueBytes, timeout } = commonOptions(options, 'redisStore()')
  const given = checkClient(options.client)
  const url = checkUrl(options.url)
  if (given && url !== undefined) throw new TypeError('redisStore(): give client or url, not both')
  const own = given ? undefined : ownClient(url ?? 'redis://127.0.0.1:6379')
  const client = given ?? own!.client
  let closed = false
  // Every call: refused once closed, waits for the store's own connection, bounded by the deadline.
  const call = <T>(op: () => Promise<T>): Promise<T> => {
    if (closed) return Promise.reject(createError('ERR_STORE_CLOSED', 'This redis store was closed'))
    return deadline('redis', timeout, own ? () => own.ready().then(op) : op)
  }
  return {
    name: 'redis',
    get: (key) => call(async () => (await client.getBuffer(prefix + key)) ?? undefined),
    async set(key, value, ttl) {
      checkValue(value, maxValueBytes, 'redis')
      checkTtl(ttl, 'redis')
      const k = prefix + key
      await call(() => (ttl === undefined ? client.set(k, bytes(value)) : client.set(k, bytes(value), 'PX', ms(ttl))))
    },
    delete: (key) => call(async () => (await client.del(prefix + key)) > 0),
    async touch(key, ttl) {
      checkTtl(ttl, 'redis')
      return call(async () => (await client.pexpire(prefix + key, ms(ttl))) === 1)
    },
    async compareAndSet(key, expected, value, ttl) {
      checkValue(value, maxValueBytes, 'redis')
      checkTtl(ttl, 'redis')
      const args = [flag(expected), bytes(expected), flag(value), bytes(value), ttl === undefined ? '0' : ms(ttl)]
      return call(async () => (await runScript(client, COMPARE_AND_SET, prefix + key, args)) === 1)
    },
    async increment(key, by = 1, ttl) {
      if (!Number.isSafeInteger(by)) throw new TypeError(`redis store: increment by a safe integer, got ${by}`)
      checkTtl(ttl, 'redis')
      const args = [String(by), ttl === undefined ? '0' : ms(ttl)]
      const count = await call(() => runScript(client, INCREMENT, prefix + key, args).catch(notCounter))
      if (typeof count !== 'number') throw new TypeError(`redis store: ${JSON.stringify(key)} does not hold a counter`)
      return count
    },
    async close() {
      if (closed) return
      closed = true
      if (!own) return
      // QUIT lets Redis answer what is in flight; disconnect() then stops any reconnection for good.
      if (client.status === 'ready') await deadline('redis', timeout, () => client.quit()).catch(() => {})
      client.disconnect()
    },
  }
}

// A value as ioredis sends it untouched (a Buffer over the same memory); an absent one as an empty string.
function bytes(value: StoreValue | undefined): Buffer | string {
  return value === undefined ? '' : Buffer.from(value.buffer, value.byteOffset, value.byteLength)
}

function flag(value: StoreValue | undefined): string {
  return value === undefined ? '0' : '1'
}

// Redis takes whole milliseconds; a fraction rounds up, and a huge ttl stays within what Redis accepts.
function ms(ttl: number): string {
  return String(Math.min(Math.ceil(ttl), Number.MAX_SAFE_INTEGER))
}

// INCRBY on a value that is not an integer: the caller's mistake, not an outage (undefined becomes a TypeError).
function notCounter(err: unknown): undefined {
  if (err instanceof Error && err.message.includes('not an integer')) return undefined
  throw err
}

function checkClient(client: Redis | undefined): Redis | undefined {
  if (client === undefined) return undefined
  const c = client as { getBuffer?: unknown; evalsha?: unknown } | null
  if (typeof c?.getBuffer !== 'function' || typeof c.evalsha !== 'function') throw new TypeError('redisStore(): client must be an ioredis client')
  return client
}

function checkUrl(url: string | undefined): string | undefined {
  if (url === undefined) return undefined
  let protocol = ''
  try {
    protocol = new URL(url).protocol
  } catch {}
  if (protocol !== 'redis:' && protocol !== 'rediss:') throw new TypeError(`redisStore(): url must be a redis:// or rediss:// URL, got ${JSON.stringify(url)}`)
  return url
}
