import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { storeContract } from '../store.case.js'
import { memoryStore } from './index.js'

storeContract('memory', { make: async (o) => memoryStore({ ...o }) })

describe('memoryStore', () => {
  it('drops the least recently used entries past maxEntries and maxBytes', async () => {
    const s = memoryStore({ maxEntries: 3 })
    for (const k of ['a', 'b', 'c']) await s.set(k, new Uint8Array(1))
    await s.get('a')
    await s.set('d', new Uint8Array(1))
    assert.equal(await s.get('b'), undefined)
    assert.ok(await s.get('a'))
    const small = memoryStore({ maxBytes: 100 })
    for (let i = 0; i < 10; i++) await small.set(`k${i}`, new Uint8Array(30))
    let kept = 0
    for (let i = 0; i < 10; i++) if (await small.get(`k${i}`)) kept++
    assert.ok(kept <= 3, `kept ${kept} entries of 30 bytes within 100 bytes`)
  })

  it('refuses bad options when made', () => {
    assert.throws(() => memoryStore({ maxEntries: 0 }), /maxEntries/)
    assert.throws(() => memoryStore({ timeout: -1 }), /timeout/)
    assert.throws(() => memoryStore({ maxValueBytes: 1.5 }), /maxValueBytes/)
  })

  it('keeps a copy: changing the array after set() changes nothing stored', async () => {
    const s = memoryStore()
    const v = new Uint8Array([1, 2, 3])
    await s.set('k', v)
    v[0] = 9
    assert.deepEqual([...(await s.get('k'))!], [1, 2, 3])
  })
})
