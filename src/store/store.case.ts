// The contract every Store passes: run `storeContract(...)` from a store's own test file against a real medium.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { lock, update } from './helpers.js'
import type { Store } from './types.js'

/** How to reach a store under test; `outage` is for networked stores whose server the test may stop. */
export interface ContractTarget {
  /** A fresh store, isolated from other runs (its own prefix, database or server); pass `options` on last. */
  make(options?: { maxValueBytes?: number; timeout?: number }): Promise<Store>
  /** Shortest ttl the medium honours, ms (memcached and etcd count whole seconds). Default `100`. */
  minTtl?: number
  /** Stops and restarts the medium, for the outage test; leave out for in-process stores. */
  outage?: { stop(): Promise<void>; start(): Promise<void> }
}

const enc = (s: string) => new TextEncoder().encode(s)
const dec = (b: Uint8Array | undefined) => (b === undefined ? undefined : new TextDecoder().decode(b))
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Polls `cond` every 50 ms until it holds, or fails after `ms` (a generous bound, not a speed claim). */
async function eventually(cond: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms
  while (!(await cond())) {
    if (Date.now() > end) assert.fail(`${what}: not within ${ms} ms`)
    await sleep(50)
  }
}

/**
 * Registers the store contract as a `describe` block.
 *
 * @example
 * storeContract('memory', { make: async () => memoryStore({ prefix: `t${process.pid}:` }) })
 */
export function storeContract(name: string, target: ContractTarget): void {
  const minTtl = target.minTtl ?? 100
  describe(`store contract: ${name}`, () => {
    let s: Store
    // A loaded machine must not fail the contract: calls get a generous timeout (the outage test sets its own).
    const make = (o: { maxValueBytes?: number; timeout?: number } = {}) => target.make({ timeout: 10_000, ...o })
    before(async () => {
      s = await make()
    })
    after(async () => {
      await s?.close()
    })

    it('gets what was set, replaces it, deletes it', async () => {
      assert.equal(await s.get('a'), undefined)
      await s.set('a', enc('one'))
      assert.equal(dec(await s.get('a')), 'one')
      await s.set('a', enc('two'))
      assert.equal(dec(await s.get('a')), 'two')
      assert.equal(await s.delete('a'), true)
      assert.equal(await s.delete('a'), false)
      assert.equal(await s.get('a'), undefined)
    })

    it('keeps binary values byte for byte, empty ones too', async () => {
      const all = new Uint8Array(256).map((_, i) => i)
      await s.set('bin', all)
      assert.deepEqual([...(await s.get('bin'))!], [...all])
      await s.set('empty', new Uint8Array(0))
      assert.equal((await s.get('empty'))?.byteLength, 0)
    })

    it('takes odd keys: spaces, newlines, unicode, slashes, long ones, prefixes of each other', async () => {
      const keys = ['with space', 'new\nline', 'tab\there', 'café ☕ 日本', 'a/b/../c', '%2F%00', 'k'.repeat(1000), 'k', 'k:', 'K']
      for (const [i, k] of keys.entries()) await s.set(k, enc(`v${i}`))
      for (const [i, k] of keys.entries()) assert.equal(dec(await s.get(k)), `v${i}`, JSON.stringify(k.slice(0, 20)))
      for (const k of keys) await s.delete(k)
    })

    it('expires a value after its ttl, and touch() extends a present one', async () => {
      // Presence right after set is checked only while the ttl has surely not passed: no speed assumed.
      const ttl = Math.max(minTtl, 1_500)
      const t0 = Date.now()
      await s.set('short', enc('x'), ttl)
      await s.set('kept', enc('y'))
      const early = await s.get('short')
      if (Date.now() - t0 < ttl) assert.equal(dec(early), 'x')
      await eventually(async () => (await s.get('short')) === undefined, ttl + 10_000, 'the value expired')
      assert.equal(dec(await s.get('kept')), 'y')
      assert.equal(await s.touch('gone', ttl), false)
      const t1 = Date.now()
      await s.set('touched', enc('z'), ttl)
      const touched = await s.touch('touched', 60_000)
      if (Date.now() - t1 >= ttl) return // too slow to tell: the touch may have come after the expiry
      assert.equal(touched, true)
      await sleep(ttl + 1_000)
      assert.equal(dec(await s.get('touched')), 'z', 'touch() gave it a new expiry')
    })

    it('compareAndSet: creates only when absent, replaces only the expected value, deletes with undefined', async () => {
      assert.equal(await s.compareAndSet('cas', undefined, enc('1')), true)
      assert.equal(await s.compareAndSet('cas', undefined, enc('x')), false)
      assert.equal(await s.compareAndSet('cas', enc('0'), enc('x')), false)
      assert.equal(dec(await s.get('cas')), '1')
      assert.equal(await s.compareAndSet('cas', enc('1'), enc('2')), true)
      assert.equal(await s.compareAndSet('cas', enc('2'), undefined), true)
      assert.equal(await s.get('cas'), undefined)
      assert.equal(await s.compareAndSet('cas', enc('2'), undefined), false)
    })

    it('100 concurrent increments count to 100, and a counter keeps its first ttl', async () => {
      const results = await Promise.all(Array.from({ length: 100 }, () => s.increment('hits', 1, 60_000)))
      assert.deepEqual(results.sort((a, b) => a - b), Array.from({ length: 100 }, (_, i) => i + 1))
      assert.equal(await s.increment('hits', 5), 105)
      assert.equal(dec(await s.get('hits')), '105')
      const ttl = Math.max(minTtl, 100)
      assert.equal(await s.increment('window', 1, ttl), 1)
      await eventually(async () => (await s.get('window')) === undefined, ttl + 10_000, 'the counter expired')
    })

    it('100 concurrent read-modify-writes through update() lose nothing', async () => {
      await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          update(s, 'set', (v) => enc(JSON.stringify([...(v ? (JSON.parse(dec(v)!) as number[]) : []), i])), { retries: 1000 }),
        ),
      )
      const got = JSON.parse(dec(await s.get('set'))!) as number[]
      assert.deepEqual(got.sort((a, b) => a - b), Array.from({ length: 100 }, (_, i) => i))
    })

    it('a lock is held by one taker at a time, freed by release or by its ttl', async () => {
      const takers = await Promise.all(Array.from({ length: 10 }, () => lock(s, 'lock', 60_000)))
      const held = takers.filter((l) => l !== undefined)
      assert.equal(held.length, 1)
      await held[0]!.release()
      const again = await lock(s, 'lock', Math.max(minTtl, 100))
      assert.ok(again)
      await eventually(async () => (await lock(s, 'lock', 60_000)) !== undefined, Math.max(minTtl, 100) + 10_000, 'the lock expired')
    })

    it('refuses a value over maxValueBytes with 413 ERR_STORE_VALUE_TOO_LARGE, and stores one at the limit', async () => {
      const small = await make({ maxValueBytes: 1024 })
      try {
        await small.set('fits', new Uint8Array(1024))
        await assert.rejects(small.set('big', new Uint8Array(1025)), { code: 'ERR_STORE_VALUE_TOO_LARGE', status: 413 })
        await assert.rejects(small.compareAndSet('big', undefined, new Uint8Array(1025)), { code: 'ERR_STORE_VALUE_TOO_LARGE' })
        assert.equal(await small.get('big'), undefined)
      } finally {
        await small.close()
      }
    })

    it('rejects calls after close() with ERR_STORE_CLOSED', async () => {
      const closing = await make()
      await closing.close()
      await assert.rejects(closing.get('a'), { code: 'ERR_STORE_CLOSED', status: 503 })
    })

    if (target.outage) {
      const outage = target.outage
      it('while the server is down, calls fail fast with 503; when it is back, the store works again by itself', async () => {
        const o = await target.make({ timeout: 3_000 })
        try {
          await o.set('before', enc('1'))
          await outage.stop()
          const t0 = Date.now()
          const err = await o.get('before').then(
            () => assert.fail('a call to a stopped server resolved'),
            (e: { status?: number; code?: string }) => e,
          )
          assert.equal(err.status, 503)
          assert.match(String(err.code), /^ERR_STORE_(UNAVAILABLE|TIMEOUT)$/)
          // A hang-detection bound (the store's timeout is 3 s), generous so a loaded machine passes.
          assert.ok(Date.now() - t0 < 30_000, 'failed within the store timeout, not a hang')
          await outage.start()
          await eventually(
            async () => {
              try {
                await o.set('after', enc('2'))
                return true
              } catch {
                return false
              }
            },
            30_000,
            'the store recovered',
          )
          assert.equal(dec(await o.get('after')), '2')
        } finally {
          await o.close()
        }
      })
    }
  })
}
