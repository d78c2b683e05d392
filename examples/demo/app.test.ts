import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { describe, it } from 'node:test'
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
    const port = 20000 + Math.floor(Math.random() * 20000)
    const child = spawn(process.execPath, ['--import', 'tsx', 'examples/demo/server.ts'], {
      env: { ...process.env, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    try {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('demo did not start')), 15_000)
        child.stdout.on('data', (d: Buffer) => {
          if (d.toString().includes('listening')) {
            clearTimeout(t)
            resolve()
          }
        })
      })
      const res = await fetch(`http://127.0.0.1:${port}/hello`)
      assert.deepEqual(await res.json(), { hello: 'world' })
      assert.match(res.headers.get('x-response-time') ?? '', /ms$/)
    } finally {
      const exited = new Promise((r) => child.once('exit', r))
      child.kill('SIGTERM')
      assert.equal(await exited, 0)
    }
  })
})
