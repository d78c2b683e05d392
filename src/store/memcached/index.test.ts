import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { after, describe, it } from 'node:test'
import { Client } from 'memjs'
import { startMemcached } from '../../../test/support/memcached-server.js'
import { storeContract } from '../store.case.js'
import { memcachedStore } from './index.js'
import { escapeKey, expiry, memcachedKey } from './keys.js'

const enc = (s: string) => new TextEncoder().encode(s)
const dec = (b: Uint8Array | undefined) => (b === undefined ? undefined : new TextDecoder().decode(b))
const prefix = () => `t${randomBytes(6).toString('hex')}:`

// One private memcached for this file, on a free port; the outage test stops and restarts it.
const server = await startMemcached()
after(() => server.close())

storeContract('memcached', {
  make: async (o) => memcachedStore({ servers: server.servers, prefix: prefix(), ...o }),
  minTtl: 1000,
  outage: { stop: () => server.stop(), start: () => server.start() },
})

describe('memcachedStore', () => {
  it('starts a private memcached (start time reported)', (t) => {
    t.diagnostic(`memcached accepted connections ${server.startMs.toFixed(0)} ms after spawn`)
    assert.ok(server.port > 0)
  })

  it('refuses bad options when made', () => {
    assert.throws(() => memcachedStore({ servers: '' }), { name: 'TypeError', message: /servers/ })
    assert.throws(() => memcachedStore({ servers: ['a b:11211'] }), { name: 'TypeError', message: /servers/ })
    assert.throws(() => memcachedStore({ servers: [] }), { name: 'TypeError', message: /servers/ })
    assert.throws(() => memcachedStore({ servers: 'x:1', client: {} as Client }), { name: 'TypeError', message: /servers or client/ })
    assert.throws(() => memcachedStore({ client: {} as Client }), { name: 'TypeError', message: /client/ })
    assert.throws(() => memcachedStore({ prefix: 'p'.repeat(201) }), { name: 'TypeError', message: /prefix/ })
    assert.throws(() => memcachedStore({ timeout: 0 }), { name: 'TypeError', message: /timeout/ })
    assert.throws(() => memcachedStore({ maxValueBytes: -1 }), { name: 'TypeError', message: /maxValueBytes/ })
  })

  it('escapes what memcached keys cannot hold and hashes keys past 250 bytes, one to one', () => {
    const table: [string, string][] = [
      ['session:abc', 'session:abc'],
      ['with space', 'with%20space'],
      ['100%', '100%25'],
      ['new\nline', 'new%0Aline'],
      ['café', 'caf%C3%A9'],
      ['', ''],
    ]
    for (const [key, want] of table) assert.equal(escapeKey(key), want, JSON.stringify(key))
    const long = memcachedKey('app:', 'k'.repeat(247))
    assert.match(long, /^app:%#[\w-]{43}$/)
    assert.equal(memcachedKey('app:', 'k'.repeat(246)), `app:${'k'.repeat(246)}`)
    assert.notEqual(memcachedKey('', 'k'.repeat(300)), memcachedKey('', `${'k'.repeat(299)}j`))
  })

  it('sends ttls as whole seconds plus one, and as a Unix time past 30 days', () => {
    assert.equal(expiry(undefined), 0)
    assert.equal(expiry(1), 2)
    assert.equal(expiry(1000), 2)
    assert.equal(expiry(1001), 3)
    const month = 30 * 24 * 3600 * 1000
    assert.equal(expiry(month - 1000), 30 * 24 * 3600)
    const abs = expiry(month)
    assert.ok(abs > Date.now() / 1000 + 30 * 24 * 3600 && abs < Date.now() / 1000 + 30 * 24 * 3600 + 60, `${abs} is a Unix time a month ahead`)
  })

  it('increment: creates the counter at `by`, decrements stop at 0, refuses a value that is not a counter', async () => {
    const s = memcachedStore({ servers: server.servers, prefix: prefix() })
    try {
      assert.equal(await s.increment('n', 7), 7)
      assert.equal(await s.increment('n', -3), 4)
      assert.equal(await s.increment('n', -10), 0)
      assert.equal(await s.increment('fresh', -2), 0)
      await s.set('text', enc('abc'))
      await assert.rejects(s.increment('text'), { name: 'TypeError', message: /counter/ })
      await assert.rejects(s.increment('n', 1.5), { name: 'TypeError' })
    } finally {
      await s.close()
    }
  })

  it('compareAndSet loses to a write landing between its read and its write (set and delete)', async () => {
    const p = prefix()
    const client = Client.create(server.servers, { retries: 1, logger: { log() {} } })
    const other = memcachedStore({ servers: server.servers, prefix: p })
    // Holds the reply to the store's next get until another writer changed the key.
    let meanwhile: (() => Promise<void>) | undefined
    const perform = client.perform.bind(client)
    client.perform = (key, request, seq, callback, retries) =>
      perform(
        key,
        request,
        seq,
        (err, res) => {
          const write = request[1] === 0x00 ? meanwhile : undefined
          if (write) meanwhile = undefined
          if (write) write().then(() => callback?.(err, res))
          else callback?.(err, res)
        },
        retries,
      )
    const s = memcachedStore({ client, prefix: p })
    try {
      await s.set('k', enc('a'))
      meanwhile = () => other.set('k', enc('b'))
      assert.equal(await s.compareAndSet('k', enc('a'), enc('c')), false)
      assert.equal(dec(await s.get('k')), 'b')
      meanwhile = () => other.set('k', enc('d'))
      assert.equal(await s.compareAndSet('k', enc('b'), undefined), false)
      assert.equal(dec(await s.get('k')), 'd')
      assert.equal(await s.compareAndSet('k', enc('d'), undefined), true)
      await s.close()
      assert.equal(await other.get('k'), undefined, 'close() left the given client open')
    } finally {
      await other.close()
      client.close()
    }
  })

  it('importing weir/store/memcached does not load memjs', () => {
    const entry = new URL('./index.ts', import.meta.url).href
    const code = `await import('${entry}'); const { createRequire } = await import('node:module'); const r = createRequire(import.meta.url); console.log(Object.keys(r.cache).some((p) => p.includes('/node_modules/memjs/')))`
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8', cwd: new URL('../../..', import.meta.url) })
    assert.equal(out.trim(), 'false')
  })
})
