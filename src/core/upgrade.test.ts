import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { after, describe, it } from 'node:test'
import { HttpError, createApp } from '../index.js'
import { consoleLogger } from '../utils/console-logger.js'

/** Sends an upgrade request on a raw socket; resolves with everything received until the server closes. */
function upgradeRequest(port: number, path: string, extra = '', then?: (send: (s: string) => void) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => {
      s.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: test-proto\r\n${extra}\r\n`)
      then?.((x) => s.write(x))
    })
    let out = ''
    s.setEncoding('utf8').on('data', (d) => (out += d))
    s.on('close', () => resolve(out)).on('error', reject)
    s.setTimeout(20_000, () => reject(new Error(`no close within 20 s; got ${JSON.stringify(out)}`)))
  })
}

describe('upgrade requests', () => {
  const app = createApp({ logger: consoleLogger('silent') })
  const seen: string[] = []
  app.use(async (c, next) => {
    seen.push(`${c.req.path} upgrade=${c.req.upgrade !== undefined}`)
    await next()
  })
  app.get('/plain', () => ({ plain: true }))
  const guarded = app.group('/private', (c, next) => {
    if (c.req.header('authorization') !== 'ok') throw new HttpError(401, 'no', { code: 'ERR_AUTH' })
    return next()
  })
  guarded.get('/echo', (c) => {
    const up = c.req.upgrade!
    c.res.bypass = true
    up.socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: test-proto\r\n\r\n')
    // What the client sent right after its head may already be in `head`.
    if (up.head.length > 0) up.socket.end(`echo:${up.head}`)
    else up.socket.once('data', (d: Buffer) => up.socket.end(`echo:${d}`))
  })
  const ready = app.listen({ port: 0 })
  after(() => app.close({ timeout: 1000 }))

  it('go through the middleware like any request, marked with c.req.upgrade', async () => {
    await ready
    await upgradeRequest(app.port!, '/plain')
    assert.deepEqual(seen.at(-1), '/plain upgrade=true')
  })

  it('to a route that does not take the upgrade: a whole HTTP answer, then the connection closes', async () => {
    await ready
    const out = await upgradeRequest(app.port!, '/plain')
    assert.match(out, /^HTTP\/1\.1 200 OK\r\n/)
    assert.match(out, /\r\n\r\n\{"plain":true\}$/)
    const missing = await upgradeRequest(app.port!, '/nope')
    assert.match(missing, /^HTTP\/1\.1 404 /)
  })

  it('refused by middleware with an ordinary HTTP answer', async () => {
    await ready
    const out = await upgradeRequest(app.port!, '/private/echo')
    assert.match(out, /^HTTP\/1\.1 401 /)
    assert.match(out, /ERR_AUTH/)
  })

  it('taken over by a handler: the socket speaks the new protocol', async () => {
    await ready
    const out = await upgradeRequest(app.port!, '/private/echo', 'Authorization: ok\r\n', (send) => send('hi'))
    assert.match(out, /^HTTP\/1\.1 101 Switching Protocols\r\n[\s\S]*\r\n\r\necho:hi$/)
  })

  it('are undefined on ordinary requests', async () => {
    await ready
    await fetch(`http://127.0.0.1:${app.port}/plain`)
    assert.equal(seen.at(-1), '/plain upgrade=false')
  })
})

describe("the 'closing' event", () => {
  it('runs when a close starts, with its timeout, and close() waits for it', async () => {
    const app = createApp({ logger: consoleLogger('silent') })
    const events: string[] = []
    app.onEvent('closing', async (timeout) => {
      events.push(`closing ${timeout}`)
      await new Promise((r) => setImmediate(r))
      events.push('closed sockets')
    })
    await app.listen({ port: 0 })
    await app.close({ timeout: 1234 })
    events.push('close resolved')
    assert.deepEqual(events, ['closing 1234', 'closed sockets', 'close resolved'])
  })
})
