import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { after, describe, it } from 'node:test'
import { Etcd3 } from 'etcd3'
import { startEtcd } from '../../../test/support/etcd-server.js'
import { storeContract } from '../store.case.js'
import { etcdStore } from './index.js'

const enc = (s: string) => new TextEncoder().encode(s)
const dec = (b: Uint8Array | undefined) => (b === undefined ? undefined : new TextDecoder().decode(b))
const prefix = () => `t${randomBytes(6).toString('hex')}/`

// One private etcd for this file, on free ports with its data in a temp dir; the outage test restarts it.
const server = await startEtcd()
after(() => server.close())

storeContract('etcd', {
  make: async (o) => etcdStore({ hosts: server.hosts, prefix: prefix(), ...o }),
  minTtl: 1000,
  outage: { stop: () => server.stop(), start: () => server.start() },
})

describe('etcdStore', () => {
  it('starts a private etcd (start time reported)', (t) => {
    t.diagnostic(`etcd reported healthy ${server.startMs.toFixed(0)} ms after spawn`)
    assert.match(server.hosts, /^http:\/\/127\.0\.0\.1:\d+$/)
  })

  it('refuses bad options when made', () => {
    assert.throws(() => etcdStore({ hosts: '' }), { name: 'TypeError', message: /hosts/ })
    assert.throws(() => etcdStore({ hosts: ['http://a b:2379'] }), { name: 'TypeError', message: /hosts/ })
    assert.throws(() => etcdStore({ hosts: [] }), { name: 'TypeError', message: /hosts/ })
    assert.throws(() => etcdStore({ hosts: 'http://x:1', client: {} as Etcd3 }), { name: 'TypeError', message: /hosts or client/ })
    assert.throws(() => etcdStore({ client: {} as Etcd3 }), { name: 'TypeError', message: /client/ })
    assert.throws(() => etcdStore({ prefix: 1 as unknown as string }), { name: 'TypeError', message: /prefix/ })
    assert.throws(() => etcdStore({ timeout: Number.NaN }), { name: 'TypeError', message: /timeout/ })
    assert.throws(() => etcdStore({ maxValueBytes: 0 }), { name: 'TypeError', message: /maxValueBytes/ })
  })

  it('gives each write its own lease and revokes the one it replaced; a counter keeps its lease', async () => {
    const client = new Etcd3({ hosts: server.hosts })
    const p = prefix()
    const s = etcdStore({ client, prefix: p })
    const leaseOf = async (k: string) => (await client.kv.range({ key: Buffer.from(p + k) })).kvs[0]?.lease
    const alive = async (id: string) => Number((await client.leaseClient.leaseTimeToLive({ ID: id })).TTL) > 0
    try {
      await s.set('a', enc('1'), 60_000)
      const first = await leaseOf('a')
      assert.ok(first && first !== '0')
      const granted = Number((await client.leaseClient.leaseTimeToLive({ ID: first })).grantedTTL)
      assert.equal(granted, 60)
      assert.equal(await s.touch('a', 120_000), true)
      const second = await leaseOf('a')
      assert.notEqual(second, first)
      assert.equal(dec(await s.get('a')), '1', 'touch kept the value')
      await s.set('a', enc('2'))
      assert.equal(await leaseOf('a'), '0', 'a set without ttl has no lease')
      for (const id of [first!, second!]) {
        const deadline = Date.now() + 10_000
        while ((await alive(id)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
        assert.equal(await alive(id), false, `lease ${id} was revoked`)
      }
      await s.increment('n', 1, 60_000)
      const counterLease = await leaseOf('n')
      await s.increment('n', 1)
      assert.equal(await leaseOf('n'), counterLease)
      await s.close()
      await assert.rejects(s.get('n'), { code: 'ERR_STORE_CLOSED' })
      assert.ok((await client.kv.range({ key: Buffer.from(`${p}n`) })).kvs[0], 'close() left the given client open')
    } finally {
      client.close()
    }
  })

  it('increment refuses a value that is not a counter, and counts below zero', async () => {
    const s = etcdStore({ hosts: server.hosts, prefix: prefix() })
    try {
      await s.set('text', enc('abc'))
      await assert.rejects(s.increment('text'), { name: 'TypeError', message: /counter/ })
      await assert.rejects(s.increment('n', 0.5), { name: 'TypeError' })
      assert.equal(await s.increment('n', -3), -3)
      assert.equal(await s.increment('n', 5), 2)
    } finally {
      await s.close()
    }
  })

  it('refuses the empty key without a prefix (etcd has none)', async () => {
    const s = etcdStore({ hosts: server.hosts })
    try {
      await assert.rejects(s.get(''), { name: 'TypeError', message: /empty key/ })
    } finally {
      await s.close()
    }
  })

  it('importing weir/store/etcd does not load etcd3', () => {
    const entry = new URL('./index.ts', import.meta.url).href
    const code = `await import('${entry}'); const { createRequire } = await import('node:module'); const r = createRequire(import.meta.url); console.log(Object.keys(r.cache).some((p) => p.includes('/node_modules/etcd3/')))`
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8', cwd: new URL('../../..', import.meta.url) })
    assert.equal(out.trim(), 'false')
  })
})
