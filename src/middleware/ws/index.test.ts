import assert from 'node:assert/strict'
import { once } from 'node:events'
import { type IncomingMessage, request } from 'node:http'
import { createConnection } from 'node:net'
import type { Duplex } from 'node:stream'
import { after, before, describe, it } from 'node:test'
import { closed, connect, message, next, until } from '../../../test/support/ws-client.js'
import { HttpError, type Middleware, createApp } from '../../index.js'
import { createLogger, logger } from '../logger/index.js'
import { requestId } from '../request-id/index.js'
import { type WsSocket, websocket } from './index.js'

declare module '../../core/types.js' {
  interface ContextVariables {
    wsTestUser: string
  }
}

type Line = Record<string, unknown>

describe('websocket()', () => {
  const lines: Line[] = []
  const log = createLogger({ level: 'debug', mode: 'test', destination: { write: (s: string) => void lines.push(JSON.parse(s)) } })
  const app = createApp({ mode: 'test', logger: log })
  app.use(requestId(), logger())
  const auth: Middleware = (c, next) => {
    if (c.req.header('authorization') !== 'Bearer ok') throw new HttpError(401, 'Who are you?', { code: 'ERR_AUTH' })
    c.set('wsTestUser', 'ann')
    return next()
  }
  const echo = websocket({
    open: (ws, c) => ws.send(`hello ${c.params.room} ${c.get('wsTestUser')} ${c.requestId !== undefined}`),
    message: (ws, data, isBinary) => ws.send(isBinary ? Buffer.concat([Buffer.from('bin:'), data as Buffer]) : `echo:${data}`),
  })
  app.get('/echo/:room', auth, echo)
  app.get('/plain', () => ({ plain: true }))
  app.get('/small', websocket({}, { maxPayload: 1024 }))
  app.get('/one', websocket({}, { maxConnectionsPerIp: 1 }))
  app.get('/solo', websocket({}, { maxConnections: 1 }))
  app.get('/deflate', websocket({ message: (ws, data) => ws.send(data) }, { deflate: true }))
  app.get('/mute', websocket({}, { heartbeat: 50 }))
  app.get('/late', websocket({}, { heartbeat: 500 })) // a pong has a whole interval to arrive, even on a loaded machine
  const rooms = websocket({
    open(ws, c) {
      ws.join(c.params.room as string)
      return ws.send('joined')
    },
  })
  app.get('/room/:room', rooms)
  let server: WsSocket | undefined
  app.get('/firehose', websocket(
      {
        open(ws) {
          server = ws
        },
      },
      { maxBuffered: 64 << 10 },
    ))
  let base = ''
  before(async () => {
    await app.listen({ port: 0, host: '127.0.0.1' })
    base = `ws://127.0.0.1:${app.port}`
  })
  after(() => app.close({ timeout: 1000 }))

  it('echoes, with params, middleware values and the request id in the handlers', async () => {
    const ws = await connect(`${base}/echo/lobby`, { headers: { authorization: 'Bearer ok' } })
    assert.equal(await message(ws), 'hello lobby ann true')
    ws.send('hi')
    assert.equal(await message(ws), 'echo:hi')
    ws.send(Buffer.from([1, 2]))
    const [bin, isBinary] = await next(ws)
    assert.equal(isBinary, true)
    assert.deepEqual([...(bin as Buffer)], [...Buffer.from('bin:'), 1, 2])
    ws.close()
    assert.equal(await closed(ws), 1005)
  })

  it('is refused by middleware with an ordinary HTTP answer before the handshake', async () => {
    const err = await connect(`${base}/echo/lobby`).catch((e) => e)
    assert.equal(err.status, 401)
    assert.match(err.body, /ERR_AUTH/)
  })

  it('answers 426 Upgrade Required to a request without an upgrade', async () => {
    const res = await fetch(`http://127.0.0.1:${app.port}/room/x`)
    assert.equal(res.status, 426)
    assert.equal(res.headers.get('upgrade'), 'websocket')
    assert.match(await res.text(), /ERR_WS_UPGRADE_REQUIRED/)
  })

  it('keeps the client\'s Connection: close on a 426 and closes the connection after it (RFC 9112 §9.6)', async () => {
    const sock = createConnection({ port: app.port as number, host: '127.0.0.1' })
    let answer = ''
    sock.setEncoding('latin1').on('data', (d: string) => (answer += d))
    sock.write('GET /room/x HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n')
    await once(sock, 'end')
    assert.match(answer, /^HTTP\/1\.1 426 /)
    assert.match(answer, /\r\nconnection: Upgrade, close\r\n/i)
    sock.destroy()
  })

  it('leaves a route without websocket() to answer the upgrade with a whole HTTP response', async () => {
    const err = await connect(`${base}/plain`).catch((e) => e)
    assert.equal(err.status, 200)
    assert.equal(err.body, '{"plain":true}')
  })

  it('closes with 1009 on a message over maxPayload', async () => {
    const ws = await connect(`${base}/small`)
    const code = closed(ws)
    ws.send('x'.repeat(2000))
    assert.equal(await code, 1009)
  })

  it('refuses a cookie-carrying upgrade from a foreign Origin with 403, and admits the same host', async () => {
    const err = await connect(`${base}/room/x`, { headers: { cookie: 'sid=1' }, origin: 'https://evil.example' }).catch((e) => e)
    assert.equal(err.status, 403)
    assert.match(err.body, /ERR_WS_ORIGIN/)
    const ok = await connect(`${base}/room/x`, { headers: { cookie: 'sid=1' }, origin: `http://127.0.0.1:${app.port}` })
    assert.equal(await message(ok), 'joined')
    ok.close()
    await closed(ok)
  })

  it('refuses a connection over maxConnectionsPerIp with 429 before the handshake', async () => {
    const first = await connect(`${base}/one`)
    const err = await connect(`${base}/one`).catch((e) => e)
    assert.equal(err.status, 429)
    assert.match(err.body, /ERR_WS_TOO_MANY_PER_IP/)
    first.close()
    await closed(first)
  })

  it('refuses a connection over maxConnections with 503 before the handshake', async () => {
    const first = await connect(`${base}/solo`)
    const err = await connect(`${base}/solo`).catch((e) => e)
    assert.equal(err.status, 503)
    assert.match(err.body, /ERR_WS_TOO_MANY/)
    first.close()
    await closed(first)
  })

  it('negotiates permessage-deflate only when deflate is on', async () => {
    const off = await connect(`${base}/room/z`)
    assert.equal(off.extensions, '')
    const on = await connect(`${base}/deflate`)
    assert.match(on.extensions, /^permessage-deflate/)
    on.send('y'.repeat(5000))
    assert.equal(await message(on), 'y'.repeat(5000))
    for (const ws of [off, on]) ws.close()
    await Promise.all([off, on].map(closed))
  })

  it('negotiates deflate with a client that offers no client_max_window_bits (Firefox), instead of refusing it with 400', async () => {
    const headers = { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'sec-websocket-extensions': 'permessage-deflate' }
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: app.port, path: '/deflate', headers })
      req.on('upgrade', (r: IncomingMessage, socket: Duplex) => {
        socket.destroy()
        resolve(r)
      }).on('response', resolve).on('error', reject).end()
    })
    assert.equal(res.statusCode, 101)
    assert.match(res.headers['sec-websocket-extensions'] ?? '', /^permessage-deflate/)
  })

  it('terminates a peer that does not answer the heartbeat ping', async () => {
    const ws = await connect(`${base}/mute`, { autoPong: false })
    assert.equal(await closed(ws), 1006)
  })

  it('forgives a late pong: a peer answering every other ping stays connected', async () => {
    const ws = await connect(`${base}/late`, { autoPong: false })
    let pings = 0
    const six = new Promise<void>((resolve) =>
      ws.on('ping', () => {
        if (++pings % 2 === 0) ws.pong()
        if (pings === 6) resolve()
      }),
    )
    await six
    assert.equal(ws.readyState, ws.OPEN)
    ws.close()
  })

  it('writes one access-log line per session, status 101, when the socket closes', async () => {
    const ws = await connect(`${base}/echo/logged`, { headers: { authorization: 'Bearer ok' } })
    await message(ws)
    ws.send('x'.repeat(1000))
    await message(ws)
    ws.close()
    await closed(ws)
    await until(() => lines.some((l) => l.msg === 'http access log' && l.path === '/echo/logged'), 'the access-log line')
    const mine = lines.filter((l) => l.msg === 'http access log' && l.path === '/echo/logged')
    assert.equal(mine.length, 1)
    assert.equal(mine[0]?.status, 101)
    assert.equal(mine[0]?.aborted, undefined)
    assert.equal(typeof mine[0]?.requestId, 'string')
    assert.ok((mine[0]?.latency as number) >= 0)
    assert.ok((mine[0]?.size as number) > 1005, 'size: the bytes the session sent') // the 1005-byte echo, its frame and the handshake
    const end = lines.find((l) => l.code === 'WS_SESSION_END' && l.requestId === mine[0]?.requestId)
    assert.equal(end?.received, 1)
    assert.equal(end?.sent, 2)
    assert.equal(end?.closeCode, 1005)
    assert.ok((end?.bytesIn as number) > 1000)
  })

  it('send() waits while the client does not read, and resolves once it does', async () => {
    server = undefined
    const ws = await connect(`${base}/firehose`)
    await until(() => server !== undefined, 'the server socket')
    const s = server as unknown as WsSocket
    ws.pause()
    const chunk = Buffer.alloc(16 << 10, 1)
    let sent = 0
    // Fill the kernel's buffers, then ours, without waiting: the client reads nothing.
    while (s.bufferedAmount < 64 << 10 && sent < 20_000) {
      void s.send(chunk)
      sent++
    }
    assert.ok(s.bufferedAmount >= 64 << 10, 'the socket buffers at least maxBuffered')
    const waiting = s.send(chunk)
    sent++
    let received = 0
    const all = new Promise<void>((resolve) => ws.on('message', () => {
      if (++received === sent) resolve()
    }))
    ws.resume()
    assert.equal(await waiting, true)
    assert.ok(s.bufferedAmount < 64 << 10)
    await all
    ws.close()
    await closed(ws)
  })

  it('broadcasts to the members of a room only', async () => {
    const [a, b, c] = await Promise.all([connect(`${base}/room/x`), connect(`${base}/room/x`), connect(`${base}/room/y`)])
    await Promise.all([a, b, c].map(message)) // joined
    assert.equal(rooms.broadcast('x', 'to x'), 2)
    assert.deepEqual(await Promise.all([message(a), message(b)]), ['to x', 'to x'])
    rooms.broadcast('y', 'to y')
    assert.equal(await message(c), 'to y') // had c been sent 'to x', it would have come first
    for (const ws of [a, b, c]) ws.close()
    await Promise.all([a, b, c].map(closed))
    await until(() => rooms.clients.size === 0, 'the sessions to end')
    assert.equal(rooms.broadcast('x', 'nobody'), 0)
  })
})

describe('websocket() and app.close()', () => {
  it('closes every socket with 1001 by itself, and close() waits for them', async () => {
    const app = createApp({ mode: 'test', logger: createLogger({ level: 'silent', mode: 'test' }) })
    const chat = websocket({})
    app.get('/chat', chat)
    await app.listen({ port: 0, host: '127.0.0.1' })
    const clients = await Promise.all([1, 2, 3].map(() => connect(`ws://127.0.0.1:${app.port}/chat`)))
    const codes = Promise.all(clients.map(closed))
    await until(() => chat.clients.size === 3, 'three sessions')
    await app.close({ timeout: 10_000 })
    assert.equal(chat.clients.size, 0)
    assert.deepEqual(await codes, [1001, 1001, 1001])
  })
})
