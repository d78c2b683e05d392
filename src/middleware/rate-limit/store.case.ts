/** The contract every RateLimitStore passes: run it from the store's own test file with a factory. */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { RateLimitStore } from './store.js'

/**
 * Runs the store contract. `make` gets a controllable clock; a store that keeps its own time (Redis)
 * can ignore it and pass `sleeps: true` so the suite waits in real time instead.
 *
 * @example
 * rateLimitStoreContract('memory', (now) => new MemoryStore({ now }))
 */
export function rateLimitStoreContract(name: string, make: (now: () => number) => RateLimitStore, opts: { sleeps?: boolean } = {}): void {
  describe(`RateLimitStore contract: ${name}`, () => {
    const setup = () => {
      let t = 1_000_000
      const store = make(() => t)
      const advance = async (ms: number) => {
        t += ms
        if (opts.sleeps) await new Promise((r) => setTimeout(r, ms))
      }
      return { store, advance }
    }

    it('counts hits of a key within a window and reports the time left', async () => {
      const { store, advance } = setup()
      assert.deepEqual(await store.hit('a', 100), { count: 1, resetIn: 100 })
      await advance(30)
      const second = await store.hit('a', 100)
      assert.equal(second.count, 2)
      assert.ok(second.resetIn <= 70 && second.resetIn > 0)
    })

    it('keeps keys apart', async () => {
      const { store } = setup()
      await store.hit('a', 100)
      await store.hit('a', 100)
      assert.equal((await store.hit('b', 100)).count, 1)
    })

    it('starts a new window once the old one has ended', async () => {
      const { store, advance } = setup()
      await store.hit('a', 50)
      await store.hit('a', 50)
      await advance(60)
      assert.equal((await store.hit('a', 50)).count, 1)
    })

    it('forgets a key on reset', async () => {
      const { store } = setup()
      await store.hit('a', 100)
      await store.reset('a')
      assert.equal((await store.hit('a', 100)).count, 1)
    })
  })
}
