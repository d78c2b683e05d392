import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { createApp } from '../../index.js'
import { consoleLogger } from '../../utils/console-logger.js'
import { memoryStore } from '../../store/index.js'
import { redisStore } from '../../store/redis/index.js'
import { MemoryStore, type RateLimitOptions, type RateLimitStore, rateLimit, storeCounter } from './index.js'
import { rateLimitStoreContract } from './store.case.js'

rateLimitStoreContract('MemoryStore', (now) => new MemoryStore({ now }))

function serve(options: RateLimitOptions) {
  const app = createApp({ mode: 'test', logger: consoleLogger('silent') })
  app.use(rateLimit(options))
  app.get('/t', () => 'ok')
  return (headers: Record<string, string> = {}) => app.request('/t', { headers: { accept: 'application/json', ...headers } })
}

const limits = (res: Response) => ['ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset', 'ratelimit-policy'].map((h) => res.headers.get(h))

describe('rateLimit', () => {
  it('counts down RateLimit-Remaining, then answers 429 ERR_RATE_LIMITED with Retry-After', async () => {
    let t = 0
    const get = serve({ window: 10_000, max: 2, store: new MemoryStore({ now: () => t }) })
    assert.deepEqual(limits(await get()), ['2', '1', '10', '2;w=10'])
    t = 4_200
    assert.deepEqual(limits(await get()), ['2', '0', '6', '2;w=10'])
    const over = await get()
    assert.equal(over.status, 429)
    assert.equal(over.headers.get('retry-after'), '6')
    assert.deepEqual(limits(over), ['2', '0', '6', '2;w=10'])
    assert.equal(((await over.json()) as { code: string }).code, 'ERR_RATE_LIMITED')
    t = 10_000
    assert.equal((await get()).status, 200)
  })

  it('counts per key', async () => {
    const get = serve({ max: 1, key: (c) => c.req.header('x-user') ?? 'anon' })
    assert.equal((await get({ 'x-user': 'a' })).status, 200)
    assert.equal((await get({ 'x-user': 'a' })).status, 429)
    assert.equal((await get({ 'x-user': 'b' })).status, 200)
  })

  it('takes any RateLimitStore, async included, and lets a failing store fail the request', async () => {
    const seen: string[] = []
    const store: RateLimitStore = {
      hit: async (key, window) => {
        seen.push(`${key}/${window}`)
        return { count: 1, resetIn: 500 }
      },
      reset: () => {},
    }
    assert.equal((await serve({ store, window: 1000 })()).headers.get('ratelimit-reset'), '1')
    assert.deepEqual(seen, ['127.0.0.1/1000'])
    const broken: RateLimitStore = { hit: () => Promise.reject(new Error('redis down')), reset: () => {} }
    assert.equal((await serve({ store: broken })()).status, 500)
  })

  it('sends no headers with headers: false, and honours skip', async () => {
    const quiet = await serve({ headers: false, max: 5 })()
    assert.deepEqual(limits(quiet), [null, null, null, null])
    const get = serve({ max: 0, skip: (c) => c.req.header('x-health') === '1' })
    assert.equal((await get({ 'x-health': '1' })).status, 200)
    assert.equal((await get()).status, 429)
  })

  it('keeps the memory store bounded: expired windows go first, then the oldest key', () => {
    let t = 0
    const store = new MemoryStore({ maxKeys: 3, now: () => t })
    for (const k of ['a', 'b', 'c']) store.hit(k, 100)
    t = 50
    store.hit('d', 100)
    assert.equal(store.size, 3)
    assert.equal(store.hit('a', 100).count, 1)
    t = 200
    store.hit('e', 100)
    assert.equal(store.size, 1)
  })

  it('refuses bad options when built', () => {
    const bad: unknown[] = [{ window: 0 }, { max: -1 }, { max: 1.5 }, { key: 'ip' }, { store: {} }]
    for (const o of bad) assert.throws(() => rateLimit(o as RateLimitOptions), TypeError, JSON.stringify(o))
    assert.throws(() => new MemoryStore({ maxKeys: 0 }), TypeError)
  })
})

describe('rateLimit over a shared store', () => {
  it('counts across apps sharing one Store (two processes behind a balancer, say)', async () => {
    const shared = memoryStore()
    const a = serve({ max: 3, store: shared })
    const b = serve({ max: 3, store: shared })
    const statuses = [await a(), await b(), await a(), await b(), await a()].map((r) => r.status)
    assert.deepEqual(statuses, [200, 200, 200, 429, 429])
  })

  it('counts exactly in Redis: 20 concurrent requests through two apps with max 10 give ten 200s', async () => {
    const prefix = `weir-test:rl:${randomBytes(6).toString('hex')}:`
    const one = redisStore({ prefix })
    const two = redisStore({ prefix })
    try {
      // A fixed clock: the test never straddles a window boundary.
      const counters = [storeCounter(one, { now: () => 1_000 }), storeCounter(two, { now: () => 1_000 })]
      const a = serve({ max: 10, store: counters[0] })
      const b = serve({ max: 10, store: counters[1] })
      const res = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a() : b())))
      assert.equal(res.filter((r) => r.status === 200).length, 10)
      assert.equal(res.filter((r) => r.status === 429).length, 10)
      await counters[0]!.reset('127.0.0.1')
      assert.equal(await one.get(`ratelimit:60000:0:127.0.0.1`), undefined, 'nothing left behind')
    } finally {
      await one.close()
      await two.close()
    }
  })

  it('answers 503 when the shared store fails, never lets the request through unseen', async () => {
    const down = memoryStore()
    await down.close()
    const res = await serve({ max: 10, store: down })()
    assert.equal(res.status, 503)
    assert.equal(((await res.json()) as { code: string }).code, 'ERR_STORE_CLOSED')
  })

  it('windows align on the clock: resetIn counts down to the window end', async () => {
    let t = 25_000
    const counter = storeCounter(memoryStore(), { now: () => t })
    assert.deepEqual(await counter.hit('k', 10_000), { count: 1, resetIn: 5_000 })
    t = 29_000
    assert.deepEqual(await counter.hit('k', 10_000), { count: 2, resetIn: 1_000 })
    t = 30_000
    assert.deepEqual(await counter.hit('k', 10_000), { count: 1, resetIn: 10_000 })
    await counter.reset('k')
    assert.deepEqual(await counter.hit('k', 10_000), { count: 1, resetIn: 10_000 })
  })
})
