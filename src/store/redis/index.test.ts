import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, describe, it } from 'node:test'
import { Redis } from 'ioredis'
import { type RedisServer, startRedis } from '../../../test/support/redis-server.js'
import { storeContract } from '../store.case.js'
import { redisStore } from './index.js'

// The machine's Redis, shared by every run: each run writes under its own random prefix and deletes it after.
const SHARED = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const RUN = `weir-test:${randomBytes(6).toString('hex')}:`
let made = 0
const nextPrefix = () => `${RUN}${++made}:`

const enc = (s: string) => new TextEncoder().encode(s)
const dec = (b: Uint8Array | undefined) => (b === undefined ? undefined : new TextDecoder().decode(b))
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

let reachable: Promise<void> | undefined
/** Fails (never skips) when the machine's Redis is not running, saying how to start it. */
function sharedRedis(): Promise<void> {
  reachable ??= (async () => {
    const probe = new Redis(SHARED, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null })
    let cause = ''
    probe.on('error', (err: Error) => {
      cause = err.message
    })
    try {
      await probe.connect()
      await probe.ping()
    } catch (err) {
      const how = '`sudo service redis-server start` (or `redis-server --daemonize yes`), or point REDIS_URL at one'
      throw new Error(`The Redis store tests need Redis at ${SHARED}, which did not answer (${cause || (err as Error).message}): start it with ${how}`)
    } finally {
      probe.disconnect()
    }
  })()
  return reachable
}

// A private redis-server, started on first use, for what the shared one must not suffer: outages, SCRIPT FLUSH.
let server: Promise<RedisServer> | undefined
const privateRedis = () => (server ??= startRedis())

after(async () => {
  await (await server)?.close()
  if (!(await sharedRedis().then(() => true, () => false))) return
  const cleaner = new Redis(SHARED)
  try {
    for await (const keys of cleaner.scanStream({ match: `${RUN}*`, count: 1000 })) {
      if ((keys as string[]).length > 0) await cleaner.del(...(keys as string[]))
    }
  } finally {
    await cleaner.quit()
  }
})

async function eventually(cond: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms
  while (!(await cond().catch(() => false))) {
    if (Date.now() > end) assert.fail(`${what}: not within ${ms} ms`)
    await sleep(50)
  }
}

storeContract('redis', {
  make: async (o) => {
    await sharedRedis()
    return redisStore({ url: SHARED, prefix: nextPrefix(), ...o })
  },
})

storeContract('redis (a private server, stopped and restarted)', {
  make: async (o) => redisStore({ url: (await privateRedis()).url, ...o }),
  outage: {
    stop: async () => (await privateRedis()).stop(),
    start: async () => (await privateRedis()).start(),
  },
})

describe('redisStore', () => {
  it('uses a client of yours as it is, names keys prefix + key, and leaves the client open after close()', async () => {
    await sharedRedis()
    const client = new Redis(SHARED)
    const prefix = nextPrefix()
    try {
      const store = redisStore({ client, prefix })
      await store.set('k', enc('v'), 60_000)
      assert.equal(dec(await store.get('k')), 'v')
      assert.equal(await client.get(`${prefix}k`), 'v')
      const left = await client.pttl(`${prefix}k`)
      assert.ok(left > 0 && left <= 60_000, `a ttl in ms (PX), ${left} left`)
      await store.close()
      await assert.rejects(store.get('k'), { code: 'ERR_STORE_CLOSED', status: 503 })
      assert.equal(client.status, 'ready')
      assert.equal(await client.ping(), 'PONG')
    } finally {
      await client.quit()
    }
  })

  it('compares bytes, not text: values that decode alike are still different', async () => {
    await sharedRedis()
    const store = redisStore({ url: SHARED, prefix: nextPrefix() })
    try {
      await store.set('b', new Uint8Array([0xff]))
      assert.equal(await store.compareAndSet('b', new Uint8Array([0xfe]), enc('x')), false)
      assert.equal(await store.compareAndSet('b', new Uint8Array([0xff]), new Uint8Array([0, 0xfe])), true)
      assert.deepEqual([...(await store.get('b'))!], [0, 0xfe])
    } finally {
      await store.close()
    }
  })

  it('increment sets the ttl only on the counter it creates, and refuses a value that is not a counter', async () => {
    await sharedRedis()
    const client = new Redis(SHARED)
    const prefix = nextPrefix()
    const store = redisStore({ client, prefix })
    try {
      assert.equal(await store.increment('c', 1, 60_000), 1)
      await client.persist(`${prefix}c`)
      assert.equal(await store.increment('c', 1, 60_000), 2)
      assert.equal(await client.pttl(`${prefix}c`), -1, 'an existing counter keeps its expiry')
      await store.set('text', enc('abc'))
      await assert.rejects(store.increment('text'), TypeError)
      await assert.rejects(store.increment('c', 1.5), TypeError)
    } finally {
      await store.close()
      await client.quit()
    }
  })

  it('runs its scripts again after Redis forgot them (SCRIPT FLUSH)', async () => {
    const { url } = await privateRedis()
    const client = new Redis(url)
    const store = redisStore({ client })
    try {
      assert.equal(await store.compareAndSet('s', undefined, enc('1')), true)
      await client.script('FLUSH')
      assert.equal(await store.compareAndSet('s', enc('1'), enc('2')), true)
      await client.script('FLUSH')
      assert.equal(await store.increment('n'), 1)
    } finally {
      await store.close()
      await client.quit()
    }
  })

  it('fails at once while Redis is down (its own client does not wait out timeout), and reconnects by itself', async () => {
    const redis = await privateRedis()
    // Waiting for Redis would end in ERR_STORE_TIMEOUT (it stays down): ERR_STORE_UNAVAILABLE means it did not wait.
    const store = redisStore({ url: redis.url, timeout: 30_000 })
    try {
      await store.set('k', enc('1'))
      await redis.stop()
      await assert.rejects(store.get('k'), { code: 'ERR_STORE_UNAVAILABLE', status: 503 })
      await assert.rejects(store.increment('n'), { code: 'ERR_STORE_UNAVAILABLE', status: 503 })
      await redis.start()
      await eventually(() => store.set('k', enc('2')).then(() => true), 30_000, 'the store reconnected')
      assert.equal(dec(await store.get('k')), '2')
    } finally {
      await store.close()
    }
  })

  it('bounds each call on a client of yours by timeout while Redis is down', async () => {
    const redis = await privateRedis()
    // ioredis's defaults: commands wait in its offline queue while it reconnects.
    const client = new Redis(redis.url)
    client.on('error', () => {})
    const store = redisStore({ client, timeout: 2_000 })
    try {
      await store.set('k', enc('1'))
      await redis.stop()
      const err = await store.get('k').then(
        () => assert.fail('a call to a stopped server resolved'),
        (e: { status?: number; code?: string }) => e,
      )
      assert.equal(err.status, 503)
      assert.match(String(err.code), /^ERR_STORE_(UNAVAILABLE|TIMEOUT)$/)
      await redis.start()
      await eventually(() => store.set('k', enc('2')).then(() => true), 30_000, 'the client reconnected')
      assert.equal(dec(await store.get('k')), '2')
    } finally {
      await store.close()
      client.disconnect()
    }
  })

  it('refuses bad options when made, before connecting', () => {
    assert.throws(() => redisStore({ timeout: 0 }), { name: 'TypeError', message: /timeout/ })
    assert.throws(() => redisStore({ prefix: 5 as unknown as string }), { name: 'TypeError', message: /prefix/ })
    assert.throws(() => redisStore({ maxValueBytes: -1 }), { name: 'TypeError', message: /maxValueBytes/ })
    assert.throws(() => redisStore({ url: 'http://127.0.0.1:6379' }), { name: 'TypeError', message: /url/ })
    assert.throws(() => redisStore({ url: 'not a url' }), { name: 'TypeError', message: /url/ })
    assert.throws(() => redisStore({ client: {} as Redis }), { name: 'TypeError', message: /client/ })
    const client = new Redis({ lazyConnect: true })
    assert.throws(() => redisStore({ client, url: SHARED }), { name: 'TypeError', message: /not both/ })
    assert.equal(client.status, 'wait', 'nothing connected')
  })
})
