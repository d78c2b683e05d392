import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import * as v from 'valibot'
import { z } from 'zod'
import { closed, connect, message, next } from '../../../test/support/ws-client.js'
import { createApp } from '../../index.js'
import { createLogger } from '../logger/index.js'
import { websocket } from './index.js'

declare module '../../core/types.js' {
  interface ContextVariables {
    wsPrepared: string
  }
}

const quiet = () => createLogger({ level: 'silent', mode: 'test' })

describe('websocket() message schemas', () => {
  const app = createApp({ mode: 'test', logger: quiet() })
  const Say = z.object({ text: z.string().max(10), to: z.string().optional() })
  const say = websocket(
    {
      // m is typed from the schema: { text: string; to?: string }
      message: (ws, m) => ws.send(`said ${m.text.toUpperCase()} to ${m.to ?? 'all'}`),
    },
    { schema: Say },
  )
  const strict = websocket({ message: (ws, m) => ws.send(`ok ${m.n}`) }, { schema: z.object({ n: z.number() }), invalid: 'close' })
  // An asynchronous validator: messages keep their order while it runs.
  const slowSchema = v.pipeAsync(
    v.object({ i: v.number() }),
    v.checkAsync(async (m) => {
      await new Promise((r) => setTimeout(r, m.i % 2 === 0 ? 20 : 0))
      return true
    }),
  )
  const ordered = websocket({ message: (ws, m) => ws.send(String(m.i)) }, { schema: slowSchema })
  app.get('/say', say)
  app.get('/strict', strict)
  app.get('/ordered', ordered)
  let base = ''
  before(async () => {
    await app.listen({ port: 0, host: '127.0.0.1' })
    base = `ws://127.0.0.1:${app.port}`
  })
  after(() => app.close())

  it('hands the handler the validated output of a JSON message', async () => {
    const ws = await connect(`${base}/say`)
    ws.send(JSON.stringify({ text: 'hi', to: 'bob' }))
    assert.equal(await message(ws), 'said HI to bob')
    ws.close()
  })

  it('answers a message that fails with ERR_WS_INVALID_MESSAGE and its issues, and keeps the socket', async () => {
    const ws = await connect(`${base}/say`)
    ws.send(JSON.stringify({ text: 'far too long a text' }))
    const bad = JSON.parse(await message(ws))
    assert.equal(bad.error.code, 'ERR_WS_INVALID_MESSAGE')
    assert.deepEqual(bad.error.issues.map((i: { path: unknown }) => i.path), [['text']])
    ws.send('{not json')
    assert.match(JSON.parse(await message(ws)).error.message, /not valid JSON/)
    ws.send(Buffer.from('{}'))
    assert.match(JSON.parse(await message(ws)).error.message, /not binary/)
    ws.send(JSON.stringify({ text: 'again' }))
    assert.equal(await message(ws), 'said AGAIN to all')
    ws.close()
  })

  it("closes with 1008 on an invalid message when invalid: 'close'", async () => {
    const ws = await connect(`${base}/strict`)
    ws.send(JSON.stringify({ n: 1 }))
    assert.equal(await message(ws), 'ok 1')
    const code = closed(ws)
    ws.send(JSON.stringify({ n: 'one' }))
    assert.equal(await code, 1008)
  })

  it('keeps the order of messages while an asynchronous validator runs', async () => {
    const ws = await connect(`${base}/ordered`)
    for (let i = 0; i < 6; i++) ws.send(JSON.stringify({ i }))
    const got: string[] = []
    for (let i = 0; i < 6; i++) got.push(await message(ws))
    assert.deepEqual(got, ['0', '1', '2', '3', '4', '5'])
    ws.close()
  })
})

describe('websocket() messages before open() is done', () => {
  const app = createApp({ mode: 'test', logger: quiet() })
  // Every open() waits for the same gate; release() opens it for all sockets opened so far.
  let release = () => {}
  let gate = new Promise<void>((r) => (release = r))
  const reset = () => (gate = new Promise<void>((r) => (release = r)))
  const held = websocket(
    {
      open: async (ws, c) => {
        await gate
        c.set('wsPrepared', 'ready') // what open() prepared is there for every message
        await ws.send('open')
      },
      message: (ws, data, _b, c) => ws.send(`${c.get('wsPrepared')}:${data}`),
    },
    { maxQueued: 3 },
  )
  app.get('/held', held)
  before(() => app.listen({ port: 0, host: '127.0.0.1' }))
  after(() => app.close())

  it('holds them until an async open() resolves, then delivers them in order', async () => {
    const ws = await connect(`ws://127.0.0.1:${app.port}/held`)
    ws.send('a')
    ws.send('b')
    ws.send('c')
    // Give the server time to receive them while open() still waits: a round trip on another socket.
    const probe = await connect(`ws://127.0.0.1:${app.port}/held`)
    probe.close()
    release()
    assert.deepEqual([await message(ws), await message(ws), await message(ws), await message(ws)], ['open', 'ready:a', 'ready:b', 'ready:c'])
    ws.close()
  })

  it('closes with 1008 when more than maxQueued arrive before open() is done', async () => {
    reset()
    const ws = await connect(`ws://127.0.0.1:${app.port}/held`)
    const code = closed(ws)
    for (let i = 0; i < 4; i++) ws.send(String(i))
    assert.equal(await code, 1008)
    release()
  })
})

describe("websocket({ text: 'buffer' })", () => {
  const app = createApp({ mode: 'test', logger: quiet() })
  const seen: Array<{ buffer: boolean; isBinary: boolean }> = []
  const relay = websocket(
    {
      message: (ws, data, isBinary) => {
        seen.push({ buffer: Buffer.isBuffer(data), isBinary })
        ws.send(data, { binary: isBinary })
      },
    },
    { text: 'buffer' },
  )
  app.get('/relay', relay)
  before(() => app.listen({ port: 0, host: '127.0.0.1' }))
  after(() => app.close())

  it('hands text over as its UTF-8 bytes, and send(bytes, { binary: false }) sends them back as text', async () => {
    const ws = await connect(`ws://127.0.0.1:${app.port}/relay`)
    ws.send('héllo ✓')
    const [text, textIsBinary] = await next(ws)
    ws.send(Buffer.from([0, 255, 1]))
    const [bytes, bytesIsBinary] = await next(ws)
    assert.deepEqual(seen, [
      { buffer: true, isBinary: false },
      { buffer: true, isBinary: true },
    ])
    assert.equal(text.toString('utf8'), 'héllo ✓')
    assert.equal(textIsBinary, false)
    assert.deepEqual([...bytes], [0, 255, 1])
    assert.equal(bytesIsBinary, true)
    ws.close()
  })

  it('refuses a text option other than string or buffer, and buffer with a schema', () => {
    assert.throws(() => websocket({}, { text: 'bytes' as 'buffer' }), /text must be 'string' or 'buffer'/)
    assert.throws(() => websocket({}, { text: 'buffer', schema: z.object({}) } as never), /cannot go with a schema/)
  })
})
