import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { jsonCodec, lock } from '../../store/helpers.js'
import { memoryStore } from '../../store/memory/index.js'
import type { Store } from '../../store/types.js'
import { createCache } from './index.js'

/** A promise to resolve by hand, so a loader runs exactly as long as the test says. */
function gate<T = void>() {
  let open!: (v: T) => void
  const p = new Promise<T>((r) => {
    open = r
  })
  return { p, open }
}

function clock(start = 1_000_000) {
  let t = start
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms
    },
  }
}

const ticks = async (n = 20) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r))
}

describe('createCache: get, set, delete', () => {
  it('gets what was set until its ttl passes, and deletes it', async () => {
    const c = clock()
    const cache = createCache({ now: c.now })
    await cache.set('a', { n: 1 }, 1_000)
    assert.deepEqual(await cache.get('a'), { n: 1 })
    c.advance(999)
    assert.deepEqual(await cache.get('a'), { n: 1 })
    c.advance(1)
    assert.equal(await cache.get('a'), undefined)
    await cache.set('b', 'x')
    assert.equal(await cache.delete('b'), true)
    assert.equal(await cache.get('b'), undefined)
  })

  it('stores { v, exp } under the prefix, kept by the store for ttl + grace', async () => {
    const store = memoryStore()
    const c = clock()
    const cache = createCache({ store, prefix: 'p:', ttl: 1_000, grace: 5_000, now: c.now })
    await cache.set('k', [1, 2])
    assert.deepEqual(jsonCodec.decode(await store.get('p:k')), { v: [1, 2], exp: c.now() + 1_000 })
  })

  it('takes a { stringify, parse } codec (JSON) or an { encode, decode } one', async () => {
    const store = memoryStore()
    const upper = { stringify: (v: unknown) => JSON.stringify(v).toUpperCase(), parse: (s: string) => JSON.parse(s.toLowerCase()) }
    await createCache({ store, codec: upper }).set('t', 'abc')
    assert.match(Buffer.from((await store.get('cache:t'))!).toString(), /"ABC"/)
    assert.equal(await createCache({ store, codec: upper }).get('t'), 'abc')
    assert.equal(await createCache({ store, prefix: 'j:', codec: jsonCodec }).wrap('x', () => 7), 7)
  })

  it('refuses bad options when made, naming the option', () => {
    assert.throws(() => createCache({ ttl: 0 }), /ttl/)
    assert.throws(() => createCache({ grace: -1 }), /grace/)
    assert.throws(() => createCache({ lockTtl: Number.NaN }), /lockTtl/)
    assert.throws(() => createCache({ prefix: 1 as unknown as string }), /prefix/)
    assert.throws(() => createCache({ codec: {} as never }), /codec/)
    assert.throws(() => createCache({ store: {} as Store }), /store/)
  })
})

describe('createCache: wrap', () => {
  it('runs fn once for 100 concurrent misses of one key, and answers every caller', async () => {
    const cache = createCache()
    const g = gate()
    let runs = 0
    const load = async () => {
      runs++
      await g.p
      return { id: 42 }
    }
    const all = Array.from({ length: 100 }, () => cache.wrap('user:42', load))
    await ticks()
    g.open()
    const values = await Promise.all(all)
    assert.equal(runs, 1)
    for (const v of values) assert.deepEqual(v, { id: 42 })
    assert.deepEqual(await cache.wrap('user:42', load), { id: 42 })
    assert.equal(runs, 1)
  })

  it('loads again once the value expired', async () => {
    const c = clock()
    const cache = createCache({ ttl: 1_000, now: c.now })
    let runs = 0
    assert.equal(await cache.wrap('k', () => ++runs), 1)
    c.advance(1_000)
    assert.equal(await cache.wrap('k', () => ++runs), 2)
    assert.equal(await cache.wrap('k', () => ++runs, { ttl: 5 }), 2)
  })

  it('does not cache a failing fn: its concurrent callers get its error, the next call runs fn again', async () => {
    const cache = createCache()
    let runs = 0
    const boom = async () => {
      runs++
      await ticks(2)
      throw new Error('db down')
    }
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => cache.wrap('k', boom)))
    assert.equal(runs, 1)
    for (const r of results) assert.equal(r.status === 'rejected' && (r.reason as Error).message, 'db down')
    assert.equal(await cache.get('k'), undefined)
    assert.equal(await cache.wrap('k', () => 'ok'), 'ok')
  })

  it('serves a stale value within grace at once while one background refresh runs', async () => {
    const c = clock()
    const cache = createCache({ ttl: 1_000, grace: 10_000, now: c.now })
    await cache.wrap('k', () => 'v1')
    c.advance(1_500)
    const g = gate()
    let runs = 0
    const refresh = async () => {
      runs++
      await g.p
      return 'v2'
    }
    const stale = await Promise.all(Array.from({ length: 20 }, () => cache.wrap('k', refresh)))
    assert.deepEqual(new Set(stale), new Set(['v1']))
    await ticks()
    assert.equal(runs, 1)
    g.open()
    for (let i = 0; i < 100 && (await cache.get('k')) !== 'v2'; i++) await ticks(1)
    assert.equal(await cache.wrap('k', refresh), 'v2')
    assert.equal(runs, 1)
  })

  it('a miss while a background refresh runs gets the refreshed value', async () => {
    const c = clock()
    const cache = createCache({ ttl: 1_000, grace: 1_000, now: c.now })
    await cache.wrap('k', () => 'v1')
    c.advance(1_500)
    const g = gate()
    assert.equal(
      await cache.wrap('k', async () => {
        await g.p
        return 'v2'
      }),
      'v1',
    )
    c.advance(1_000)
    let missRan = false
    const miss = cache.wrap('k', () => {
      missRan = true
      return 'v3'
    })
    await ticks()
    g.open()
    assert.equal(await miss, 'v2')
    assert.equal(missRan, false)
  })

  it('past grace, waits for the load like a miss', async () => {
    const c = clock()
    const cache = createCache({ ttl: 1_000, now: c.now })
    await cache.wrap('k', () => 'v1', { grace: 1_000 })
    c.advance(2_000)
    assert.equal(await cache.wrap('k', () => 'v2', { grace: 1_000 }), 'v2')
  })

  it('keeps serving the stale value when the refresh fails, and reports the failure', async () => {
    const c = clock()
    const errors: unknown[] = []
    const cache = createCache({ ttl: 1_000, grace: 10_000, now: c.now, onError: (err) => errors.push(err) })
    await cache.wrap('k', () => 'v1')
    c.advance(1_500)
    assert.equal(
      await cache.wrap('k', () => {
        throw new Error('refresh failed')
      }),
      'v1',
    )
    await ticks()
    assert.equal((errors[0] as Error).message, 'refresh failed')
    assert.equal(await cache.wrap('k', () => 'v3'), 'v1')
  })

  it('waits for the lock holder of another cache on the same store and reads what it stored', async () => {
    const store = memoryStore()
    const a = createCache({ store })
    const b = createCache({ store })
    const g = gate()
    const first = a.wrap('k', async () => {
      await g.p
      return 'from a'
    })
    await ticks()
    let bRan = false
    const second = b.wrap('k', () => {
      bRan = true
      return 'from b'
    })
    await ticks()
    g.open()
    assert.deepEqual(await Promise.all([first, second]), ['from a', 'from a'])
    assert.equal(bRan, false)
  })

  it('takes over when the holder in another process failed (its lock is released)', async () => {
    const store = memoryStore()
    const a = createCache({ store })
    const b = createCache({ store })
    const g = gate()
    const first = a.wrap('k', async () => {
      await g.p
      throw new Error('a failed')
    })
    await ticks()
    const second = b.wrap('k', () => 'from b')
    await ticks()
    g.open()
    await assert.rejects(first, /a failed/)
    assert.equal(await second, 'from b')
  })

  it('takes over when the holder died: its lock expires after lockTtl', async () => {
    const store = memoryStore()
    const cache = createCache({ store, lockTtl: 200 })
    // A holder that never releases, as a killed process would leave it.
    assert.ok(await lock(store, 'cache:k\u0000lock', 200))
    assert.equal(await cache.wrap('k', () => 'taken over'), 'taken over')
  })

  it('runs fn uncached when the store cannot answer, and reports it', async () => {
    const errors: unknown[] = []
    const broken: Store = {
      ...memoryStore(),
      name: 'broken',
      get: () => Promise.reject(new Error('down')),
      set: () => Promise.reject(new Error('down')),
      compareAndSet: () => Promise.reject(new Error('down')),
    }
    const cache = createCache({ store: broken, onError: (err) => errors.push(err) })
    assert.equal(await cache.wrap('k', () => 'fresh'), 'fresh')
    assert.ok(errors.length >= 3)
    await assert.rejects(cache.get('k'), /down/)
  })

  it('treats an entry the codec cannot read as a miss', async () => {
    const store = memoryStore()
    const errors: unknown[] = []
    await store.set('cache:k', Buffer.from('not json'))
    const cache = createCache({ store, onError: (err) => errors.push(err) })
    assert.equal(await cache.wrap('k', () => 'loaded'), 'loaded')
    assert.ok(errors.length >= 1)
    assert.equal(await cache.get('k'), 'loaded')
  })
})
