import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { startChild } from '../../test/lifecycle/child.js'
import { buildDemo } from './app.js'

describe('demo app', () => {
  it('answers its routes in memory', async () => {
    const app = buildDemo()
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
})
