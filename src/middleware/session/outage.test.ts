// A session store that goes away: requests get a fast 503, and sessions work again when it is back.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type RedisServer, startRedis } from '../../../test/support/redis-server.js'
import { createApp } from '../../index.js'
import { redisStore } from '../../store/redis/index.js'
import type { Store } from '../../store/types.js'
import { consoleLogger } from '../../utils/console-logger.js'
import { session } from './index.js'

describe('session: the store goes down and comes back', () => {
  let server: RedisServer
  let store: Store
  before(async () => {
    server = await startRedis()
    store = redisStore({ url: server.url, timeout: 1_000 })
  })
  after(async () => {
    await store?.close()
    await server?.close()
  })

  it('answers 503 at once while Redis is down, and serves sessions again when it is back', async () => {
    const app = createApp({ mode: 'test', logger: consoleLogger('silent') })
    app.use(session({ store, keys: ['a session key of at least thirty-two bytes, for tests'] }))
    app.get('/count', async (c) => ({ n: await c.get('session')!.update('n', (n: number | undefined) => (n ?? 0) + 1) }))
    app.get('/plain', () => 'no session touched')
    const first = await app.request('/count')
    const cookie = first.headers.get('set-cookie')!.split(';')[0]!
    assert.deepEqual(await first.json(), { n: 1 })

    await server.stop()
    // A hang guard, not a speed claim: the store's own timeout must answer long before it.
    const hang = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no answer while the store was down: a hang')), 30_000).unref())
    const down = await Promise.race([app.request('/count', { headers: { cookie } }), hang])
    assert.equal(down.status, 503)
    assert.match(((await down.json()) as { code: string }).code, /^ERR_STORE_(UNAVAILABLE|TIMEOUT)$/)
    assert.equal((await app.request('/plain', { headers: { cookie } })).status, 200, 'routes without the session are served')

    await server.start()
    const end = Date.now() + 30_000
    let res = await app.request('/count', { headers: { cookie } })
    while (res.status !== 200 && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 100))
      res = await app.request('/count', { headers: { cookie } })
    }
    assert.equal(res.status, 200, 'recovered by itself')
  })
})
