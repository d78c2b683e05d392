// The concurrency contract of server-side sessions: run `sessionConcurrency(...)` against any Store.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Context } from '../../core/context.js'
import { type App, createApp } from '../../index.js'
import type { Store } from '../../store/types.js'
import { consoleLogger } from '../../utils/console-logger.js'
import { session } from './index.js'

const KEY = 'a session key of at least thirty-two bytes, for tests'

/** Resolves for everyone once `n` callers arrived: every request has read the session before any saves. */
function barrier(n: number): () => Promise<void> {
  let arrived = 0
  let open!: () => void
  const all = new Promise<void>((r) => {
    open = r
  })
  return () => {
    if (++arrived === n) open()
    return all
  }
}

function cookieOf(res: Response): string {
  const line = res.headers.getSetCookie()[0]
  assert.ok(line, 'a Set-Cookie header')
  return line.split(';')[0]!
}

/**
 * Registers, as a `describe` block, what server-side sessions promise under concurrent requests sharing
 * one session: `update()` composes, different keys both survive, the same key goes to one of the writers.
 *
 * @example
 * sessionConcurrency('redis', async () => redisStore({ url, prefix: `t${process.pid}:` }))
 */
export function sessionConcurrency(name: string, make: () => Promise<Store>): void {
  describe(`session concurrency: ${name}`, () => {
    let store: Store
    let app: App
    let gate: () => Promise<void> = async () => {}
    before(async () => {
      store = await make()
      app = createApp({ mode: 'test', logger: consoleLogger('silent') })
      app.use(session({ keys: [KEY], store }))
      const s = (c: Context) => c.get('session')!
      app.post('/start', (c) => {
        s(c).set('started', true)
        return null
      })
      app.post('/count', async (c) => {
        await s(c).update('count', (n: number | undefined) => (n ?? 0) + 1)
        await gate()
        return null
      })
      app.post('/set/:key/:value', async (c) => {
        await s(c).get('started')
        await gate()
        s(c).set(c.params.key, c.params.value)
        return null
      })
      app.get('/all', async (c) => s(c).all())
    })
    after(async () => {
      await store?.close()
    })

    async function start(): Promise<string> {
      return cookieOf(await app.request('/start', { method: 'POST' }))
    }
    const all = async (cookie: string) => (await app.request('/all', { headers: { cookie } })).json() as Promise<Record<string, unknown>>

    it('100 concurrent update()s of one key all count: each fn runs again on the stored value', { timeout: 60_000 }, async () => {
      const cookie = await start()
      gate = barrier(100)
      const answers = await Promise.all(Array.from({ length: 100 }, () => app.request('/count', { method: 'POST', headers: { cookie } })))
      assert.deepEqual(new Set(answers.map((r) => r.status)), new Set([200]))
      assert.equal((await all(cookie)).count, 100)
    })

    it('two concurrent requests setting different keys both keep their change', { timeout: 30_000 }, async () => {
      const cookie = await start()
      gate = barrier(2)
      const post = (path: string) => app.request(path, { method: 'POST', headers: { cookie } })
      await Promise.all([post('/set/a/1'), post('/set/b/2')])
      assert.deepEqual(await all(cookie), { started: true, a: '1', b: '2' })
    })

    it('two concurrent sets of the same key: the last writer wins, one of the two values stays', { timeout: 30_000 }, async () => {
      const cookie = await start()
      gate = barrier(2)
      const post = (path: string) => app.request(path, { method: 'POST', headers: { cookie } })
      await Promise.all([post('/set/k/first'), post('/set/k/second')])
      const { k } = await all(cookie)
      assert.ok(k === 'first' || k === 'second', `k is one of the values, got ${JSON.stringify(k)}`)
    })
  })
}
