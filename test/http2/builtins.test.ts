// Every built-in over HTTP/2 (TLS, node's http2 client): the same middleware, untouched.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { gunzipSync, gzipSync } from 'node:zlib'
import type { App } from '../../src/index.js'
import { compress } from '../../src/middleware/compress/index.js'
import { logger } from '../../src/middleware/logger/index.js'
import { requestId } from '../../src/middleware/request-id/index.js'
import { serveStatic } from '../../src/middleware/serve-static/index.js'
import { type StatsInfo, stats } from '../../src/middleware/stats/index.js'
import { timeout } from '../../src/middleware/timeout/index.js'
import { client, curl, request, start, until } from './helpers.js'

const dir = mkdtempSync(join(tmpdir(), 'weir-h2-static-'))
after(() => rmSync(dir, { recursive: true, force: true }))
const FILE = Buffer.alloc(100_000, 0)
for (let i = 0; i < FILE.length; i++) FILE[i] = (i * 7) % 251
writeFileSync(join(dir, 'data.bin'), FILE)

const produced = { bytes: 0, done: false, stopped: false }
const seen: StatsInfo[] = []
let gone: unknown
let sseHead = gate()

function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void
  const wait = new Promise<void>((r) => {
    open = r
  })
  return { wait, open }
}

function setup(app: App): void {
  app.use(requestId())
  app.use(logger())
  app.use(stats({ onStats: (s) => seen.push(s) }))
  app.use(compress({ threshold: 1024 }))
  app.use(serveStatic(dir, { prefix: '/static' }))
  app.get('/big', (c) => {
    // 40 MB from a generator: it runs only as fast as the client reads (flow control, then backpressure).
    produced.bytes = 0
    produced.done = false
    produced.stopped = false
    c.header('content-type', 'application/octet-stream')
    return (function* () {
      try {
        for (let i = 0; i < 640; i++) {
          produced.bytes += 65_536
          yield Buffer.alloc(65_536, i % 256)
        }
        produced.done = true
      } finally {
        produced.stopped = true
      }
    })()
  })
  app.get('/json', () => ({ items: Array.from({ length: 500 }, (_, i) => ({ i, name: `item ${i}` })) }))
  app.get('/events', (c) =>
    c.sse(async (stream) => {
      // The first event waits for the client to have the head: SSE's head must not wait for a first chunk.
      await sseHead.wait
      await stream.send({ event: 'hello', data: { n: 1 } })
      await stream.send({ data: 'two' })
    }),
  )
  app.post('/echo', async (c) => ({ length: (await c.req.bytes()).length, text: (await c.req.text()).slice(0, 20) }))
  app.post('/small', (c, next) => {
    c.req.configureBody({ limits: { body: 1000 } })
    return next()
  }, async (c) => ({ length: (await c.req.bytes()).length }))
  app.get('/slow', timeout(50), async (c) => {
    await new Promise((r) => c.req.signal.addEventListener('abort', r))
    return 'late'
  })
  app.get('/forever', (c) => {
    c.req.signal.addEventListener('abort', () => {
      gone = c.req.signal.reason
    })
    return (async function* () {
      for (;;) {
        yield 'x'.repeat(1000)
        await new Promise((r) => setTimeout(r, 5))
      }
    })()
  })
}

describe('built-ins over HTTP/2', async () => {
  const app = await start(setup)
  const session = client(app.origin)

  it('streams with backpressure: a client that stops reading stops the source', async () => {
    const req = session.request({ ':path': '/big' })
    let received = 0
    let paused = false
    req.on('data', (d: Buffer) => {
      received += d.length
      if (received > 1_000_000 && !paused) {
        paused = true
        req.pause()
      }
    })
    await until(() => received > 1_000_000, 20_000, 'the first MB')
    // Let whatever buffers exist fill up: the source must then wait, far short of its 40 MB.
    await new Promise((r) => setTimeout(r, 300))
    const held = produced.bytes
    await new Promise((r) => setTimeout(r, 300))
    assert.equal(produced.bytes, held, 'the source kept producing while nobody read')
    assert.ok(held < 12_000_000, `produced ${held} bytes for a paused client`)
    const ended = new Promise((r) => req.on('end', r))
    req.resume()
    await ended
    assert.equal(received, 640 * 65_536)
    assert.equal(produced.done, true)
  })

  it('sends SSE: the head at once, then events', async () => {
    sseHead = gate()
    const req = session.request({ ':path': '/events' })
    const head = await new Promise<Record<string, unknown>>((r) => req.once('response', r))
    assert.equal(head[':status'], 200)
    assert.equal(head['content-type'], 'text/event-stream')
    let text = ''
    req.on('data', (d) => (text += d))
    sseHead.open()
    await new Promise((r) => req.once('end', r))
    assert.equal(text, 'event: hello\ndata: {"n":1}\n\ndata: two\n\n')
  })

  it('compresses', async () => {
    const res = await request(session, '/json', { 'accept-encoding': 'gzip' })
    assert.equal(res.headers['content-encoding'], 'gzip')
    assert.equal(JSON.parse(gunzipSync(res.body).toString()).items.length, 500)
  })

  it('serves files with Range (serveStatic)', async () => {
    const whole = await request(session, '/static/data.bin')
    assert.equal(whole.status, 200)
    assert.ok(whole.body.equals(FILE))
    const part = await request(session, '/static/data.bin', { range: 'bytes=1000-1999' })
    assert.equal(part.status, 206)
    assert.equal(part.headers['content-range'], `bytes 1000-1999/${FILE.length}`)
    assert.ok(part.body.equals(FILE.subarray(1000, 2000)))
  })

  it('reads, decodes and limits request bodies; the session survives a refused one', async () => {
    const big = Buffer.alloc(300_000, 97)
    const echo = await request(session, '/echo', { ':method': 'POST' }, big)
    assert.equal(JSON.parse(echo.text).length, 300_000)
    const gz = await request(session, '/echo', { ':method': 'POST', 'content-encoding': 'gzip' }, gzipSync(Buffer.from('hello, decoded')))
    assert.equal(JSON.parse(gz.text).text, 'hello, decoded')
    const declared = await request(session, '/small', { ':method': 'POST', 'content-length': String(big.length) }, big)
    assert.equal(declared.status, 413)
    assert.equal(JSON.parse(declared.text).code, 'ERR_BODY_TOO_LARGE')
    const streamed = await request(session, '/small', { ':method': 'POST' }, big)
    assert.equal(streamed.status, 413)
    assert.equal((await request(session, '/json')).status, 200)
  })

  it('closes the stream of a refused upload the client never ends, and keeps the session', async () => {
    let open = 0
    const count = (stream: import('node:http2').ServerHttp2Stream) => {
      open++
      stream.once('close', () => open--)
    }
    app.server!.on('stream', count)
    after(() => app.server!.off('stream', count))
    const req = session.request({ ':path': '/small', ':method': 'POST' }, { endStream: false })
    req.write(Buffer.alloc(5000, 98))
    const head = await new Promise<Record<string, unknown>>((r) => req.once('response', r))
    assert.equal(head[':status'], 413)
    req.resume()
    // Without the server closing it (RST_STREAM NO_ERROR), this stream would stay open on the server
    // until the client ended an upload nobody reads.
    await until(() => open === 0, 10_000, 'the server to close the refused stream')
    req.destroy()
    assert.equal((await request(session, '/json')).status, 200)
  })

  it('answers Expect: 100-continue only when the body is read', async () => {
    const req = session.request({ ':path': '/echo', ':method': 'POST', expect: '100-continue' }, { endStream: false })
    await new Promise((r) => req.once('continue', r))
    req.end('after continue')
    let text = ''
    req.on('data', (d) => (text += d))
    await new Promise((r) => req.on('end', r))
    assert.equal(JSON.parse(text).text, 'after continue')
    // Refused by its declared length: no 100 Continue, a 413 straight away.
    const refused = session.request({ ':path': '/small', ':method': 'POST', expect: '100-continue', 'content-length': '5000' }, { endStream: false })
    let continued = false
    refused.once('continue', () => {
      continued = true
    })
    const head = await new Promise<Record<string, unknown>>((r) => refused.once('response', r))
    assert.equal(head[':status'], 413)
    assert.equal(continued, false)
    refused.close()
  })

  it('answers 503 ERR_TIMEOUT from timeout()', async () => {
    const res = await request(session, '/slow')
    assert.equal(res.status, 503)
    assert.equal(JSON.parse(res.text).code, 'ERR_TIMEOUT')
  })

  it('fires c.req.signal when the client cancels the stream, and logs it aborted', async () => {
    gone = undefined
    const req = session.request({ ':path': '/forever' })
    await new Promise((r) => req.once('data', r))
    req.close()
    await until(() => gone !== undefined, 10_000, 'the abort signal')
    assert.equal((gone as { code?: string }).code, 'ERR_CLIENT_GONE')
    await until(() => app.logs.some((l) => l.path === '/forever' && l.aborted === true), 10_000, 'the aborted access-log line')
    assert.equal((await request(session, '/json')).status, 200)
  })

  it('gives request ids, an access log with the protocol, and stats', async () => {
    seen.length = 0
    const res = await request(session, '/json')
    const id = res.headers['x-request-id']
    assert.ok(typeof id === 'string' && id.length > 0)
    await until(() => app.logs.some((l) => l.requestId === id), 10_000, 'the access-log line')
    const line = app.logs.find((l) => l.requestId === id)!
    assert.equal(line.protocol, 'h2')
    assert.equal(line.status, 200)
    assert.equal(line.size, res.body.length)
    await until(() => seen.length > 0)
    assert.equal(seen[0]!.status, 200)
    assert.equal(seen[0]!.size, res.body.length)
    assert.equal(seen[0]!.requestId, id)
    assert.equal(seen[0]!.aborted, false)
    // The same port over HTTP/1.1 logs http/1.1.
    const out = await curl(['-k', '--http1.1', '-D', '-', '-o', '/dev/null', `${app.origin}/json`])
    const id1 = /x-request-id: (\S+)/i.exec(out)![1]
    await until(() => app.logs.some((l) => l.requestId === id1), 10_000, 'the HTTP/1.1 access-log line')
    assert.equal(app.logs.find((l) => l.requestId === id1)!.protocol, 'http/1.1')
  })

  it('counts streamed bytes in stats over HTTP/2', async () => {
    seen.length = 0
    const res = await request(session, '/static/data.bin')
    await until(() => seen.length > 0)
    assert.equal(seen[0]!.size, res.body.length)
    assert.equal(res.body.length, FILE.length)
  })
})
