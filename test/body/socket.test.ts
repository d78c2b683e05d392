// The request body through real sockets: limits before and while reading, Expect: 100-continue, chunked
// bodies, gzip bombs, clients that abort or send less than they declared, streamed uploads, keep-alive.
import assert from 'node:assert/strict'
import { type Socket, connect } from 'node:net'
import { after, describe, it } from 'node:test'
import { gzipSync } from 'node:zlib'
import { type App, type BodyLimits, type Context, createApp } from '../../src/index.js'
import { consoleLogger } from '../../src/utils/console-logger.js'

const apps: App[] = []
const unhandled: unknown[] = []
const onUnhandled = (err: unknown) => unhandled.push(err)
process.on('unhandledRejection', onUnhandled)
after(async () => {
  await Promise.all(apps.map((a) => a.close({ timeout: 100 })))
  process.off('unhandledRejection', onUnhandled)
  assert.deepEqual(unhandled, [], 'no unhandled rejection')
})

async function start(setup: (app: App) => void, limits?: BodyLimits): Promise<App> {
  const app = createApp({ mode: 'test', logger: consoleLogger('silent'), limits })
  setup(app)
  await app.listen({ port: 0, host: '127.0.0.1' })
  apps.push(app)
  return app
}

function open(port: number): Promise<Socket & { got: () => string; gone: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1')
    let out = ''
    s.on('data', (d) => {
      out += d.toString('latin1')
    })
    s.on('error', () => {})
    const gone = new Promise<void>((r) => s.once('close', () => r()))
    s.once('connect', () => resolve(Object.assign(s, { got: () => out, gone })))
    s.once('error', reject)
  })
}

/** Waits for `pattern` in what arrived; the bound only keeps a broken test from hanging. */
async function until(s: { got: () => string }, pattern: RegExp, ms = 20_000): Promise<string> {
  const end = Date.now() + ms
  while (!pattern.test(s.got())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${pattern}; got ${JSON.stringify(s.got().slice(0, 500))}`)
    await sleep(5)
  }
  return s.got()
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const head = (path: string, headers: Record<string, string | number>) =>
  `POST ${path} HTTP/1.1\r\nhost: x\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')}\r\n`
const chunk = (data: string | Buffer) => Buffer.concat([Buffer.from(`${Buffer.byteLength(data).toString(16)}\r\n`), Buffer.from(data), Buffer.from('\r\n')])

/**
 * A route that reads the body with `read` and records how the read ended. `entered` resolves once the
 * handler has started reading: a client may then go away, and the read must notice.
 */
function recorder(read: (c: Context) => Promise<unknown>) {
  const outcomes: Array<{ ok?: unknown; code?: string }> = []
  let notify: () => void = () => {}
  let enter!: () => void
  const entered = new Promise<void>((r) => {
    enter = r
  })
  const settled = () =>
    new Promise<void>((r) => {
      if (outcomes.length > 0) r()
      else notify = r
    })
  const handler = async (c: Context) => {
    try {
      const reading = read(c)
      enter()
      const ok = await reading
      outcomes.push({ ok })
      return ok
    } catch (err) {
      outcomes.push({ code: (err as { code?: string }).code })
      throw err
    } finally {
      notify()
    }
  }
  return { handler, outcomes, settled, entered }
}

describe('body limits on a socket', () => {
  it('refuses a declared Content-Length over the limit with 413 before reading, and closes', async () => {
    const r = recorder(async (c) => (await c.req.bytes()).length)
    const app = await start((a) => a.post('/', r.handler), { body: 1024 })
    const s = await open(app.port!)
    s.write(head('/', { 'content-length': 10 * 1024 * 1024 }))
    s.write('x'.repeat(100)) // far less than declared: the answer must not wait for the rest
    const out = await until(s, /ERR_BODY_TOO_LARGE/)
    assert.match(out, /^HTTP\/1\.1 413 /)
    assert.match(out, /connection: close/i)
    await s.gone
    assert.deepEqual(r.outcomes, [{ code: 'ERR_BODY_TOO_LARGE' }])
  })

  it('cuts a chunked body the moment it passes the limit: 413, then the connection closes', async () => {
    const r = recorder(async (c) => (await c.req.bytes()).length)
    const app = await start((a) => a.post('/', r.handler), { body: 100 * 1024 })
    const s = await open(app.port!)
    s.write(head('/', { 'transfer-encoding': 'chunked' }))
    let sent = 0
    // One chunk per turn of the event loop: each turn, the server reads what arrived (loopback data is
    // there at once), so it sees the limit pass within a chunk or two of it, however slow the machine.
    while (!/HTTP\/1\.1/.test(s.got()) && r.outcomes.length === 0 && sent < 10 * 1024 * 1024 && !s.destroyed) {
      s.write(chunk(Buffer.alloc(16 * 1024, 97)))
      sent += 16 * 1024
      await sleep(2)
    }
    const out = await until(s, /ERR_BODY_TOO_LARGE/)
    assert.match(out, /^HTTP\/1\.1 413 /)
    assert.ok(sent < 1024 * 1024, `the server answered after ${sent} bytes, not at the end`)
    await s.gone
    assert.deepEqual(r.outcomes, [{ code: 'ERR_BODY_TOO_LARGE' }])
  })

  it('reads a chunked body that stays within the limit, chunk by chunk, and keeps the connection', async () => {
    const app = await start((a) => a.post('/', async (c) => (await c.req.text()).length))
    const s = await open(app.port!)
    s.write(head('/', { 'transfer-encoding': 'chunked' }))
    for (const part of ['hello ', 'chunked ', 'world']) {
      s.write(chunk(part))
      await sleep(5)
    }
    s.write('0\r\n\r\n')
    await until(s, /\r\n\r\n19$/)
    s.write(`${head('/', { 'content-length': 2 })}ok`)
    await until(s, /\r\n\r\n2$/)
    assert.equal(s.got().match(/HTTP\/1\.1 200/g)?.length, 2)
    assert.doesNotMatch(s.got(), /connection: close/i)
    s.destroy()
  })

  it('answers a gzip bomb (64 MiB of zeros in ~64 KiB) with 413 ERR_BODY_TOO_LARGE, not out-of-memory', async () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 })
    const r = recorder(async (c) => (await c.req.bytes()).length)
    const app = await start((a) => a.post('/', r.handler))
    const before = process.memoryUsage().arrayBuffers
    const s = await open(app.port!)
    s.write(head('/', { 'content-encoding': 'gzip', 'content-length': bomb.length }))
    s.write(bomb)
    const out = await until(s, /ERR_BODY_TOO_LARGE/)
    assert.match(out, /^HTTP\/1\.1 413 /)
    assert.ok(bomb.length < 1024 * 1024, 'the bomb itself is under the limit')
    assert.ok(process.memoryUsage().arrayBuffers - before < 32 * 1024 * 1024, 'memory did not grow by the decoded size')
    s.destroy()
  })

  it('answers a corrupt gzip stream with 400 ERR_BODY_DECODE_FAILED', async () => {
    const app = await start((a) => a.post('/', (c) => c.req.text()))
    const s = await open(app.port!)
    const bad = Buffer.concat([gzipSync('hello'), Buffer.from('trailing garbage')])
    bad[12] = (bad[12] ?? 0) ^ 0xff
    s.write(head('/', { 'content-encoding': 'gzip', 'content-length': bad.length }))
    s.write(bad)
    assert.match(await until(s, /ERR_BODY_DECODE_FAILED/), /^HTTP\/1\.1 400 /)
    s.destroy()
  })

  it('answers UTF-16 JSON (byte-order mark) with 415 ERR_BODY_UNSUPPORTED_CHARSET naming it, and UTF-8 with a BOM with 200', async () => {
    const app = await start((a) => a.post('/', async (c) => ({ got: await c.req.json() })))
    const s = await open(app.port!)
    const utf16 = Buffer.from('\ufeff{"a":"é"}', 'utf16le')
    s.write(`${head('/', { 'content-type': 'application/json', 'content-length': utf16.length })}`)
    s.write(utf16)
    const refused = await until(s, /\}$/)
    assert.match(refused, /^HTTP\/1\.1 415 /)
    assert.match(refused, /"code":"ERR_BODY_UNSUPPORTED_CHARSET"/)
    assert.match(refused, /UTF-16LE/)
    const utf8 = Buffer.from('\ufeff{"a":"é"}')
    s.write(`${head('/', { 'content-type': 'application/json', 'content-length': utf8.length })}`)
    s.write(utf8)
    const served = await until(s, /HTTP\/1\.1 200 [\s\S]*\}$/)
    assert.match(Buffer.from(served, 'latin1').toString(), /\{"got":\{"a":"é"\}\}$/)
    s.destroy()
  })

  it('reads the body of a GET that has one', async () => {
    const app = await start((a) => a.get('/', (c) => c.req.text()))
    const s = await open(app.port!)
    s.write('GET / HTTP/1.1\r\nhost: x\r\ncontent-length: 4\r\n\r\nbody')
    assert.match(await until(s, /\r\n\r\nbody$/), /^HTTP\/1\.1 200 /)
    s.destroy()
  })

  it('keeps the connection when a handler answers without reading a small body', async () => {
    const app = await start((a) => a.post('/', () => 'unread'))
    const s = await open(app.port!)
    s.write(`${head('/', { 'content-length': 5 })}abcde`)
    await until(s, /unread$/)
    s.write(`${head('/', { 'content-length': 5 })}fghij`)
    await until(s, /unread[\s\S]*unread$/)
    s.destroy()
  })
})

describe('Expect: 100-continue', () => {
  it('sends 100 Continue when the handler reads the body, then answers', async () => {
    const app = await start((a) => a.post('/', (c) => c.req.text()))
    const s = await open(app.port!)
    s.write(head('/', { 'content-length': 5, expect: '100-continue' }))
    await until(s, /^HTTP\/1\.1 100 Continue\r\n\r\n$/)
    s.write('hello')
    const out = await until(s, /\r\n\r\nhello$/)
    assert.match(out, /HTTP\/1\.1 200 OK/)
    assert.doesNotMatch(out, /connection: close/i)
    s.destroy()
  })

  it('answers 413 without 100 Continue when the declared length is over the limit, and closes', async () => {
    const app = await start((a) => a.post('/', (c) => c.req.text()), { body: 1000 })
    const s = await open(app.port!)
    s.write(head('/', { 'content-length': 5000, expect: '100-continue' }))
    const out = await until(s, /ERR_BODY_TOO_LARGE/)
    assert.match(out, /^HTTP\/1\.1 413 /)
    assert.doesNotMatch(out, /100 Continue/)
    await s.gone
  })

  it('uses the route limit, not only the app one: a larger route limit gets 100 Continue', async () => {
    const app = await start(
      (a) => a.post('/upload', (c) => c.req.configureBody({ limits: { body: 10_000 } }).text().then((t) => t.length)),
      { body: 1000 },
    )
    const s = await open(app.port!)
    s.write(head('/upload', { 'content-length': 5000, expect: '100-continue' }))
    await until(s, /100 Continue/)
    s.write('y'.repeat(5000))
    assert.match(await until(s, /\r\n\r\n5000$/), /HTTP\/1\.1 200/)
    s.destroy()
  })

  it('answers without 100 Continue and closes when nothing reads the body', async () => {
    const app = await start((a) => a.post('/', (c) => c.text('no thanks', 401)))
    const s = await open(app.port!)
    s.write(head('/', { 'content-length': 5, expect: '100-continue' }))
    const out = await until(s, /no thanks$/)
    assert.match(out, /^HTTP\/1\.1 401 /)
    assert.match(out, /connection: close/i)
    await s.gone
  })
})

describe('clients that go away', () => {
  it('a client that aborts mid-upload: the read rejects with ERR_BODY_INCOMPLETE, listeners are removed', async () => {
    let raw: import('node:http').IncomingMessage | undefined
    const r = recorder(async (c) => {
      raw = c.req.raw
      return (await c.req.bytes()).length
    })
    const app = await start((a) => a.post('/', r.handler))
    const s = await open(app.port!)
    s.write(head('/', { 'content-length': 1000 }))
    s.write('x'.repeat(100))
    await r.entered
    s.destroy()
    await r.settled()
    assert.deepEqual(r.outcomes, [{ code: 'ERR_BODY_INCOMPLETE' }])
    for (const event of ['data', 'end', 'error', 'close'] as const) assert.equal(raw!.listenerCount(event), 0, event)
  })

  it('a client that sends less than it declared and half-closes: ERR_BODY_INCOMPLETE', async () => {
    const r = recorder(async (c) => (await c.req.text()).length)
    const app = await start((a) => a.post('/', r.handler))
    const s = await open(app.port!)
    s.write(`${head('/', { 'content-length': 50 })}only ten..`)
    await r.entered
    s.end()
    await r.settled()
    assert.deepEqual(r.outcomes, [{ code: 'ERR_BODY_INCOMPLETE' }])
    s.destroy()
  })

  it('a client that half-closes mid-body is answered 400 ERR_BODY_INCOMPLETE, not a bare parse error', async () => {
    const r = recorder(async (c) => (await c.req.text()).length)
    const app = await start((a) => a.post('/', r.handler))
    const s = await open(app.port!)
    s.write(`${head('/', { 'content-length': 50 })}only ten..`)
    await r.entered
    s.end()
    await s.gone
    assert.match(s.got(), /^HTTP\/1\.1 400 [\s\S]*"code":"ERR_BODY_INCOMPLETE"/)
  })

  it('a body stalled past requestTimeout is answered 408 ERR_REQUEST_TIMEOUT, not closed silently', async () => {
    const app = createApp({ mode: 'test', logger: consoleLogger('silent'), server: { headersTimeout: 200, requestTimeout: 400, connectionsCheckingInterval: 50 } })
    app.post('/', async (c) => (await c.req.text()).length)
    await app.listen({ port: 0, host: '127.0.0.1' })
    apps.push(app)
    const s = await open(app.port!)
    s.write(`${head('/', { 'content-length': 1000 })}a few bytes`)
    await s.gone // answered and closed by the server (a silent close would leave no 408 below)
    assert.match(s.got(), /^HTTP\/1\.1 408 [\s\S]*"code":"ERR_REQUEST_TIMEOUT"/)
    assert.doesNotMatch(s.got().slice(12), /HTTP\/1\.1/, 'one answer only')
  })

  it('a streamed upload the client aborts errors the stream with ERR_BODY_INCOMPLETE', async () => {
    const r = recorder(async (c) => {
      let n = 0
      for await (const part of c.req.stream()) n += (part as Buffer).length
      return n
    })
    const app = await start((a) => a.post('/', r.handler))
    const s = await open(app.port!)
    s.write(head('/', { 'content-length': 100_000 }))
    s.write('z'.repeat(1000))
    await r.entered
    s.destroy()
    await r.settled()
    assert.deepEqual(r.outcomes, [{ code: 'ERR_BODY_INCOMPLETE' }])
  })
})

describe('streamed uploads', () => {
  it('streams a large body from the socket with backpressure, within a route limit', async () => {
    const r = recorder(async (c) => {
      c.req.configureBody({ limits: { body: 8 * 1024 * 1024 } })
      let n = 0
      for await (const part of c.req.stream()) {
        n += (part as Buffer).length
        if (n % (1024 * 1024) < 65536) await sleep(1) // a slow consumer
      }
      return n
    })
    const app = await start((a) => a.post('/', r.handler))
    const s = await open(app.port!)
    const size = 5 * 1024 * 1024
    s.write(head('/', { 'content-length': size }))
    for (let sent = 0; sent < size; sent += 256 * 1024) {
      if (!s.write(Buffer.alloc(256 * 1024, 1))) await new Promise((res) => s.once('drain', res))
    }
    assert.match(await until(s, new RegExp(`\\r\\n\\r\\n${size}$`)), /HTTP\/1\.1 200/)
    s.destroy()
  })

  it('a streamed chunked body over the limit errors the stream with 413 and closes the connection', async () => {
    const r = recorder(async (c) => {
      let n = 0
      for await (const part of c.req.stream()) n += (part as Buffer).length
      return n
    })
    const app = await start((a) => a.post('/', r.handler), { body: 64 * 1024 })
    const s = await open(app.port!)
    s.write(head('/', { 'transfer-encoding': 'chunked' }))
    for (let i = 0; i < 40 && !/HTTP\/1\.1/.test(s.got()); i++) {
      s.write(chunk(Buffer.alloc(8 * 1024, 98)))
      await sleep(2)
    }
    assert.match(await until(s, /ERR_BODY_TOO_LARGE/), /^HTTP\/1\.1 413 /)
    await s.gone
    assert.deepEqual(r.outcomes, [{ code: 'ERR_BODY_TOO_LARGE' }])
  })

  it('closes the connection when the handler answers before reading the rest of a stream', async () => {
    const app = await start((a) =>
      a.post('/', async (c) => {
        const it = c.req.stream()[Symbol.asyncIterator]()
        await it.next() // the first chunk only
        return 'enough'
      }),
    )
    const s = await open(app.port!)
    s.write(head('/', { 'content-length': 1_000_000 }))
    s.write(Buffer.alloc(1000, 1))
    assert.match(await until(s, /enough$/), /^HTTP\/1\.1 200 /)
    // The rest of the body will never be read, so the socket cannot carry another request: it is closed.
    await s.gone
  })
})
