import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { createApp } from '../index.js'

describe('respond', () => {
  const app = createApp()
  app.get('/head-only', (c) => {
    // Headers sent by hand, no bypass: the response must still end.
    c.raw.res.writeHead(200, { 'content-type': 'text/plain' })
    c.raw.res.write('partial')
  })
  app.get('/bypass', (c) => {
    c.res.bypass = true
    c.raw.res.writeHead(200, { 'content-type': 'text/plain' })
    c.raw.res.write('by hand, ')
    setImmediate(() => c.raw.res.end('later'))
  })
  const ready = app.listen({ port: 0 })
  after(() => app.close({ timeout: 1000 }))

  it('ends a response whose head something else already sent', async () => {
    await ready
    const res = await fetch(`http://127.0.0.1:${app.port}/head-only`, { signal: AbortSignal.timeout(10_000) })
    assert.equal(res.status, 200)
    assert.equal(await res.text(), 'partial')
  })

  it('leaves a bypassed response to its owner', async () => {
    await ready
    const res = await fetch(`http://127.0.0.1:${app.port}/bypass`, { signal: AbortSignal.timeout(10_000) })
    assert.equal(await res.text(), 'by hand, later')
  })
})
