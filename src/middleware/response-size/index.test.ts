import assert from 'node:assert/strict'
import { Readable } from 'node:stream'
import { describe, it } from 'node:test'
import { type Context, createApp } from '../../index.js'
import { consoleLogger } from '../../utils/console-logger.js'
import { type ResponseSizeOptions, responseSize } from './index.js'

function serve(max: number, handler: (c: Context) => unknown) {
  const app = createApp({ mode: 'test', logger: consoleLogger('silent') })
  app.use(responseSize({ max }))
  app.get('/t', handler)
  return () => app.request('/t', { headers: { accept: 'application/json' } })
}

describe('responseSize', () => {
  it('lets bodies up to max through and answers 500 ERR_RESPONSE_TOO_LARGE beyond', async () => {
    assert.equal(await (await serve(5, () => 'héllo'.slice(0, 4))()).text(), 'héll')
    const over = await serve(4, () => 'héllo')()
    assert.equal(over.status, 500)
    assert.equal(((await over.json()) as { code: string }).code, 'ERR_RESPONSE_TOO_LARGE')
    assert.equal((await serve(2, () => new Uint8Array(3))()).status, 500)
  })

  it('refuses a stream whose Content-Length is over max before sending', async () => {
    const res = await serve(10, (c) => c.header('content-length', 20).body(Readable.from(['x'.repeat(20)])))()
    assert.equal(res.status, 500)
  })

  it('counts a stream as it flows and cuts it past max', async () => {
    const ok = await serve(10, (c) => c.body(Readable.from(['12345', '67890'])))()
    assert.equal(await ok.text(), '1234567890')
    // Over max after the first bytes went out: the response is cut, so the client sees a broken body.
    const late = async function* (sent: () => boolean) {
      yield '12345'
      // Until the head and the first bytes are out, whatever the machine's speed.
      while (!sent()) await new Promise((r) => setImmediate(r))
      yield '67890'
      yield 'x'
    }
    const cut = await serve(10, (c) => c.body(late(() => c.raw.res.headersSent)))()
    assert.equal(cut.status, 200)
    await assert.rejects(cut.text())
  })

  it('answers 500 ERR_RESPONSE_TOO_LARGE when a stream is over max before its first byte was sent', async () => {
    const early = await serve(10, (c) => c.body(Readable.from(['12345', '67890', 'x'])))()
    assert.equal(early.status, 500)
    assert.equal(((await early.json()) as { code: string }).code, 'ERR_RESPONSE_TOO_LARGE')
  })

  it('refuses a bad max when built', () => {
    for (const o of [undefined, {}, { max: -1 }, { max: 1.5 }]) assert.throws(() => responseSize(o as ResponseSizeOptions), TypeError)
  })
})
