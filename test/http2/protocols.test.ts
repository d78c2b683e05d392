// HTTPS, HTTP/2 over TLS beside HTTP/1.1, and h2c: one app, one router, one middleware chain.
import assert from 'node:assert/strict'
import { createSecureServer } from 'node:http2'
import { request as httpsRequest } from 'node:https'
import { after, describe, it } from 'node:test'
import { connect as tlsConnect } from 'node:tls'
import WebSocket from 'ws'
import { websocket } from '../../src/middleware/ws/index.js'
import { createApp } from '../../src/index.js'
import { secureHeaders } from '../../src/middleware/secure-headers/index.js'
import { cookieSession } from '../../src/middleware/session/index.js'
import { consoleLogger } from '../../src/utils/console-logger.js'
import { cert, client, curl, request, start } from './helpers.js'

const KEY = 'a cookie key for the http2 tests, thirty-two bytes or more'

function routes(app: import('../../src/index.js').App): void {
  app.use(secureHeaders())
  app.use(cookieSession({ keys: [KEY] }))
  app.get('/who', (c) => ({ protocol: c.req.protocol, host: c.req.host, version: c.raw.req.httpVersion, headers: c.req.headers, raw: c.req.raw.rawHeaders, path: c.req.header(':path') ?? null }))
  app.post('/login', (c) => {
    c.get('session')!.set('user', 'ada')
    return null
  })
  app.get('/hop', (c) => {
    // Connection-specific fields a handler or middleware might set: HTTP/2 must never send them.
    c.header('Connection', 'keep-alive')
    c.header('keep-alive', 'timeout=5')
    c.header('transfer-encoding', 'chunked')
    c.header('upgrade', 'h2c')
    c.header('proxy-connection', 'keep-alive')
    c.header('x-kept', 'yes')
    return 'hop'
  })
}

/** An HTTPS/1.1 request (certificate not checked). */
function https11(port: number, path: string, method = 'GET'): Promise<{ status: number; headers: import('node:http').IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path, method, rejectUnauthorized: false, servername: 'localhost' }, (res) => {
      let text = ''
      res.on('data', (d) => (text += d))
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text }))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('listen({ tls }): HTTPS', () => {
  it('serves HTTP/1.1 over TLS with protocol https, HSTS and Secure session cookies', async () => {
    const app = await start(routes, {})
    const who = await https11(app.port!, '/who')
    assert.equal(who.status, 200)
    const body = JSON.parse(who.text)
    assert.equal(body.protocol, 'https')
    assert.equal(body.version, '1.1')
    assert.match(String(who.headers['strict-transport-security']), /max-age=\d+/)
    const login = await https11(app.port!, '/login', 'POST')
    assert.match(String(login.headers['set-cookie']), /; Secure/)
  })

  it('sends neither HSTS nor Secure over plain HTTP (the same app, no tls)', async () => {
    const app = createApp({ mode: 'test', logger: consoleLogger('silent') })
    routes(app)
    await app.listen({ port: 0 })
    after(() => app.close({ timeout: 100 }))
    const who = await fetch(`http://127.0.0.1:${app.port}/who`)
    assert.equal((await who.json()).protocol, 'http')
    assert.equal(who.headers.get('strict-transport-security'), null)
    const login = await fetch(`http://127.0.0.1:${app.port}/login`, { method: 'POST' })
    assert.doesNotMatch(String(login.headers.get('set-cookie')), /Secure/)
  })
})

describe('listen({ tls, http2: true })', () => {
  it('answers HTTP/2 with https, host from :authority, and no pseudo-headers in c.req.headers', async () => {
    const app = await start(routes)
    const res = await request(client(app.origin), '/who', { 'x-one': '1' })
    assert.equal(res.status, 200)
    const body = JSON.parse(res.text)
    assert.equal(body.version, '2.0')
    assert.equal(body.protocol, 'https')
    assert.equal(body.host, `localhost:${app.port}`)
    assert.equal(body.headers.host, `localhost:${app.port}`)
    assert.equal(body.headers['x-one'], '1')
    assert.deepEqual(Object.keys(body.headers).filter((k) => k.startsWith(':')), [])
    assert.deepEqual(body.raw.filter((k: string) => k.startsWith(':')), [])
    assert.equal(body.path, null)
    assert.match(String(res.headers['strict-transport-security']), /max-age=\d+/)
  })

  it('drops connection-specific headers a handler set, keeps the others', async () => {
    const app = await start(routes)
    const res = await request(client(app.origin), '/hop')
    assert.equal(res.status, 200)
    assert.equal(res.text, 'hop')
    for (const h of ['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection']) assert.equal(res.headers[h], undefined, h)
    assert.equal(res.headers['x-kept'], 'yes')
  })

  it('serves HTTP/1.1 on the same TLS port (ALPN http/1.1, and clients without ALPN)', async () => {
    const app = await start(routes)
    const res = await https11(app.port!, '/who')
    assert.equal(JSON.parse(res.text).version, '1.1')
    assert.equal(JSON.parse(res.text).protocol, 'https')
    const out = await curl(['-k', '--http1.1', '-w', '\n%{http_version}', `${app.origin}/who`])
    assert.match(out, /\n1\.1$/)
  })

  it('curl --http2 negotiates h2 over TLS', async () => {
    const app = await start(routes)
    const out = await curl(['-k', '--http2', '-i', `${app.origin}/who?q=1`])
    assert.match(out, /^HTTP\/2 200/)
    assert.match(out, /"version":"2.0"/)
    assert.match(out, /strict-transport-security: max-age=/i)
  })

  it('sets Secure on session cookies over HTTP/2', async () => {
    const app = await start(routes)
    const res = await request(client(app.origin), '/login', { ':method': 'POST' })
    assert.equal(res.status, 200)
    const cookie = ([] as string[]).concat(res.headers['set-cookie'] ?? [])
    assert.equal(cookie.length, 1)
    assert.match(cookie[0]!, /; Secure/)
  })
})

describe('HTTP/1.1 on the HTTP/2 TLS port', () => {
  it('upgrades WebSockets (wss://) through the same routes', async () => {
    const app = await start((a) => {
      a.get('/ws', websocket({ message: (ws, data) => ws.send(`echo:${data}`) }))
    })
    const ws = new WebSocket(`wss://localhost:${app.port}/ws`, { rejectUnauthorized: false })
    await new Promise((r, j) => ws.once('open', r).once('error', j))
    ws.send('hi')
    const got = await new Promise<string>((r) => ws.once('message', (d) => r(String(d))))
    ws.terminate()
    assert.equal(got, 'echo:hi')
  })

  // (The bound is 50 times the timeout set here, and far below Node's own 30 s checking interval.)
  it('answers a head that never ends with 408 after server.headersTimeout', { timeout: 15_000 }, async () => {
    const app = await start((a) => a.get('/', () => 'ok'), { http2: true }, { server: { headersTimeout: 300, connectionsCheckingInterval: 100 } })
    const socket = tlsConnect({ port: app.port!, host: '127.0.0.1', servername: 'localhost', rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] })
    after(() => socket.destroy())
    let out = ''
    socket.on('data', (d) => (out += d))
    socket.on('error', () => {})
    await new Promise((r) => socket.once('secureConnect', r))
    socket.write('GET / HTTP/1.1\r\nHost: localhost\r\n')
    await new Promise((r) => socket.once('close', r))
    assert.match(out, /^HTTP\/1\.1 408/)
    assert.match(out, /ERR_REQUEST_TIMEOUT/)
  })
})

describe("listen({ http2: 'h2c' })", () => {
  it('answers cleartext HTTP/2 with prior knowledge (node client, curl), protocol http', async () => {
    const app = await start(routes, { http2: 'h2c' })
    const res = await request(client(app.origin), '/who')
    assert.equal(JSON.parse(res.text).version, '2.0')
    assert.equal(JSON.parse(res.text).protocol, 'http')
    assert.equal(res.headers['strict-transport-security'], undefined)
    const out = await curl(['--http2-prior-knowledge', '-i', `${app.origin}/hop`])
    assert.match(out, /^HTTP\/2 200/)
    assert.doesNotMatch(out, /^(connection|keep-alive|transfer-encoding|upgrade):/im)
  })

  it('believes X-Forwarded-Proto from a trusted proxy in front', async () => {
    const app = await start(routes, { http2: 'h2c' }, { trustProxy: true })
    const res = await request(client(app.origin), '/who', { 'x-forwarded-proto': 'https' })
    assert.equal(JSON.parse(res.text).protocol, 'https')
    assert.match(String(res.headers['strict-transport-security']), /max-age=/)
  })
})

describe('listen() option checks', () => {
  it('refuses http2: true without tls, h2c with tls, and bad limits, with a message', async () => {
    const make = () => createApp({ mode: 'test', logger: consoleLogger('silent') })
    await assert.rejects(make().listen({ port: 0, http2: true }), /needs tls/)
    await assert.rejects(make().listen({ port: 0, http2: 'h2c', tls: { key: cert().key, cert: cert().cert } }), /with tls use http2: true/)
    await assert.rejects(make().listen({ port: 0, http2: 'h3' as never }), /http2 must be/)
    const bad = createApp({ mode: 'test', logger: consoleLogger('silent'), server: { http2: { maxConcurrentStreams: 0 } } })
    await assert.rejects(bad.listen({ port: 0, http2: 'h2c' }), /maxConcurrentStreams must be a positive integer/)
  })
})

describe('app.handler() on a server you create', () => {
  it('works as the request listener of http2.createSecureServer({ allowHTTP1: true })', async () => {
    const app = createApp({ mode: 'test', logger: consoleLogger('silent') })
    routes(app)
    const server = createSecureServer({ key: cert().key, cert: cert().cert, allowHTTP1: true }, app.handler())
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    after(() => server.close())
    const port = (server.address() as import('node:net').AddressInfo).port
    const session = client(`https://localhost:${port}`)
    const res = await request(session, '/who')
    assert.equal(JSON.parse(res.text).version, '2.0')
    const hop = await request(session, '/hop')
    assert.equal(hop.status, 200)
    assert.equal(hop.headers.connection, undefined)
    session.close()
    assert.equal(JSON.parse((await https11(port, '/who')).text).version, '1.1')
  })

  it('leaves app.request() (in memory) as it was', async () => {
    const app = createApp({ mode: 'test', logger: consoleLogger('silent') })
    routes(app)
    const res = await app.request('/who', { headers: { host: 'example.com' } })
    const body = await res.json()
    assert.equal(body.protocol, 'http')
    assert.equal(body.host, 'example.com')
    assert.equal(body.version, '1.1')
    // Only HTTP/2 forbids connection-specific fields: an HTTP/1.1 response keeps what the handler set.
    assert.equal((await app.request('/hop')).headers.get('proxy-connection'), 'keep-alive')
  })
})
