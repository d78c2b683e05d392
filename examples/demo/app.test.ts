import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { startChild } from '../../test/lifecycle/child.js'
import { memoryStore } from '../../src/store/index.js'
import { buildDemo } from './app.js'

describe('demo app', () => {
  it('answers its routes in memory', async () => {
    const app = buildDemo({ store: memoryStore() })
    assert.deepEqual(await (await app.request('/hello')).json(), { hello: 'world' })
    assert.deepEqual(await (await app.request('/users/1')).json(), { id: '1', name: 'Ada' })
    assert.equal((await app.request('/users/9')).status, 404)
    assert.equal((await app.request('/users/abc')).status, 404)
    assert.equal((await app.request('/api/items')).status, 401)
    const created = await app.request('/api/items', { method: 'POST', headers: { authorization: 'Bearer demo' } })
    assert.equal(created.status, 201)
  })

  it('starts with `npm start` on PORT and stops on SIGTERM', async () => {
    // PORT=0: the kernel picks a free port, so a busy one (another test's server) cannot fail the start.
    const child = await startChild({ PORT: '0' }, 'examples/demo/server.ts')
    try {
      const res = await fetch(`http://127.0.0.1:${child.port}/hello`, { signal: AbortSignal.timeout(10_000) })
      assert.deepEqual(await res.json(), { hello: 'world' })
      assert.match(res.headers.get('x-response-time') ?? '', /ms$/)
      assert.equal(await child.stop('SIGTERM'), 0)
    } finally {
      child.cleanup()
    }
  })
  it('logs in with a session: a new id at login, /me reads it, logout ends it', async () => {
    const app = buildDemo({ store: memoryStore() })
    assert.equal((await app.request('/me')).status, 401)
    const before = (await app.request('/visits')).headers.get('set-cookie')!.split(';')[0]!
    const login = await app.request('/login', { method: 'POST', headers: { cookie: before, 'content-type': 'application/json' }, body: '{"name":"ada"}' })
    assert.equal(login.status, 200)
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!
    assert.notEqual(cookie, before, 'login regenerates the session id')
    assert.deepEqual(((await (await app.request('/me', { headers: { cookie } })).json()) as { user: string }).user, 'ada')
    assert.equal((await app.request('/me', { headers: { cookie: before } })).status, 401, 'the old id is gone')
    // One visit before login (kept by regenerate), 20 at once: none is lost.
    await Promise.all(Array.from({ length: 20 }, () => app.request('/visits', { headers: { cookie } }).then((r) => r.text())))
    assert.deepEqual(await (await app.request('/visits', { headers: { cookie } })).json(), { visits: 22 })
    assert.equal((await app.request('/logout', { method: 'POST', headers: { cookie } })).status, 204)
    assert.equal((await app.request('/me', { headers: { cookie } })).status, 401)
    assert.equal((await app.request('/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"<script>"}' })).status, 400)
  })
})
