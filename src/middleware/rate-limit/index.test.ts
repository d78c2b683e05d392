import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createApp } from '../../index.js'
import { consoleLogger } from '../../utils/console-logger.js'
import { MemoryStore, type RateLimitOptions, type RateLimitStore, rateLimit } from './index.js'
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
