import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type RedisServer, startRedis } from '../../../test/support/redis-server.js'
import { BOUND, connect, message, next, until } from '../../../test/support/ws-client.js'
import { type App, createApp } from '../../index.js'
import { createLogger } from '../logger/index.js'
import { type Fanout, type WebSocketRoute, redisFanout, websocket } from './index.js'

/** One "process": an app with a chat route whose rooms are relayed through Redis. */
async function node(url: string): Promise<{ app: App; chat: WebSocketRoute; fanout: Fanout; base: string }> {
  const app = createApp({ mode: 'test', logger: createLogger({ level: 'silent', mode: 'test' }) })
  const fanout = redisFanout({ url, channel: 'test:chat:', maxReconnectDelay: 200 })
  const chat: WebSocketRoute = websocket(
    {
      open: (ws, c) => ws.join(c.params.room!),
      message: (ws, data, _b, c) => chat.broadcast(c.params.room!, data, ws),
    },
    { fanout },
  )
  app.get('/chat/:room', chat)
  await app.listen({ port: 0, host: '127.0.0.1' })
  return { app, chat, fanout, base: `ws://127.0.0.1:${app.port}` }
}

describe('redisFanout()', () => {
  let redis: RedisServer
  let a: Awaited<ReturnType<typeof node>>
  let b: Awaited<ReturnType<typeof node>>
  before(async () => {
    redis = await startRedis()
    a = await node(redis.url)
    b = await node(redis.url)
  })
  after(async () => {
    await Promise.all([a?.app.close(), b?.app.close()])
    await redis?.close()
  })

  it('carries a broadcast to the same room on another process, text and binary, not to other rooms', async () => {
    const alice = await connect(`${a.base}/chat/lobby`)
    const bob = await connect(`${b.base}/chat/lobby`)
    const carol = await connect(`${b.base}/chat/other`)
    await subscribed(redis.url, 'lobby', 2)
    alice.send('hello')
    assert.equal(await message(bob), 'hello')
    alice.send(Buffer.from([1, 2, 3]))
    const [bin, isBinary] = await next(bob)
    assert.deepEqual([...bin], [1, 2, 3])
    assert.equal(isBinary, true)
    carol.send('to other')
    bob.send('back')
    assert.equal(await message(alice), 'back') // and nothing from carol's room reached it
    for (const ws of [alice, bob, carol]) ws.close()
  })

  it('keeps local broadcasts while Redis is down, and resumes relaying after it restarts', async () => {
    const alice = await connect(`${a.base}/chat/r`)
    const anna = await connect(`${a.base}/chat/r`)
    const bob = await connect(`${b.base}/chat/r`)
    await subscribed(redis.url, 'r', 2)
    alice.send('before')
    assert.equal(await message(bob), 'before')
    assert.equal(await message(anna), 'before')

    await redis.stop()
    await until(() => !a.fanout.connected && !b.fanout.connected, 'the fanouts to see Redis go')
    alice.send('during')
    assert.equal(await message(anna), 'during') // the same process still gets it, at once

    await redis.start()
    await until(() => a.fanout.connected && b.fanout.connected, 'the fanouts to reconnect')
    await subscribed(redis.url, 'r', 2) // subscribed again by themselves
    alice.send('after')
    assert.equal(await message(bob), 'after')
    for (const ws of [alice, anna, bob]) ws.close()
  })
})

// How many connections subscribe to a room's channel: the fanout subscribes when the first member joins
// and again after a reconnect, a moment after the event the test sees.
async function subscribed(url: string, room: string, n: number): Promise<void> {
  const { Redis } = await import('ioredis')
  const client = new Redis(url, { maxRetriesPerRequest: 0 })
  try {
    const count = async () => Number(((await client.pubsub('NUMSUB', `test:chat:${room}`)) as [string, number])[1])
    const end = performance.now() + BOUND
    while ((await count()) < n) {
      if (performance.now() > end) throw new Error(`room ${room} never had ${n} subscribers`)
      await new Promise((r) => setTimeout(r, 20))
    }
  } finally {
    client.disconnect()
  }
}
