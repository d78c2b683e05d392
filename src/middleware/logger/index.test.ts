import assert from 'node:assert/strict'
import { request as httpRequest } from 'node:http'
import { Readable } from 'node:stream'
import { after, describe, it } from 'node:test'
import { type App, type AppOptions, HttpError, type Middleware, createApp } from '../../index.js'
import { capture } from '../capture/index.js'
import { requestId } from '../request-id/index.js'
import { writeAccessLine } from './fast.js'
import { type AccessRecord, createLogger, logger } from './index.js'

type Line = Record<string, unknown>
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** An in-memory request read to its end (the response finishes, and is logged, once its body is read). */
async function fetchIn(app: App, path: string | Request, init?: RequestInit): Promise<Response> {
  const res = await app.request(path, init)
  await res.arrayBuffer()
  return res
}

/** An app whose pino logger writes into `lines` (parsed). */
function capturing(opts: AppOptions = {}) {
  const lines: Line[] = []
  const log = createLogger({ level: 'debug', mode: 'test', destination: { write: (s: string) => void lines.push(JSON.parse(s)) } })
  const app = createApp({ mode: 'test', logger: log, ...opts })
  return { app, lines, access: () => lines.filter((l) => l.msg === 'http access log') }
}

/**
 * Waits until `cond()` holds (the access log is written on the response's `close`, a tick after the body).
 * The 30 s bound only keeps a broken test from hanging: a test never asserts how fast the line came.
 */
async function until(cond: () => boolean, what = 'condition', ms = 30_000): Promise<void> {
  const end = performance.now() + ms
  while (!cond()) {
    if (performance.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await sleep(5)
  }
}

/**
 * A middleware to put after logger(), counting the responses whose `close` has run. logger() added its
 * `close` listener first, so it ran first: once a response is counted here, its line is written or never
 * will be. What a test waits for before it says "no line".
 */
function closes(): { watch: Middleware; closed: () => number } {
  let n = 0
  const watch: Middleware = async (c, next) => {
    c.raw.res.once('close', () => {
      n++
    })
    await next()
  }
  return { watch, closed: () => n }
}

/** A promise the test releases: holds a handler or a stream where the test wants it. */
function gate(): { wait: Promise<void>; release: () => void } {
  let release!: () => void
  const wait = new Promise<void>((r) => {
    release = r
  })
  return { wait, release }
}

const servers: App[] = []
after(() => Promise.all(servers.map((a) => a.close({ timeout: 100 }))))
async function listen(app: App): Promise<number> {
  await app.listen({ port: 0 })
  servers.push(app)
  return app.port!
}

describe('logger: JSON access log', () => {
  it('writes the seed fields, parsed field by field', async () => {
    const { app, access } = capturing()
    app.use(requestId(), logger())
    app.post('/users/:id', (c) => c.json({ id: c.params.id }, 201))
    const port = await listen(app)
    const t0 = performance.now()
    const res = await fetch(`http://127.0.0.1:${port}/users/7?x=1&y=2`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'probe/1', 'x-request-id': 'abc-123' },
      body: '{}',
    })
    assert.equal(res.status, 201)
    await until(() => access().length === 1)
    const elapsed = performance.now() - t0
    const l = access()[0]!
    assert.equal(l.level, 30)
    assert.equal(l.requestId, 'abc-123')
    assert.equal(l.status, 201)
    assert.equal(l.method, 'POST')
    assert.equal(l.contentType, 'application/json')
    assert.equal(l.clientIP, '127.0.0.1')
    assert.match(String(l.clientEndpoint), /^127\.0\.0\.1:\d+$/)
    assert.equal(l.path, '/users/7')
    assert.equal(l.route, '/users/:id')
    assert.equal(typeof l.latency, 'number')
    // Milliseconds, on the clock the test reads: within what the test itself saw, however slow the machine.
    assert.ok((l.latency as number) >= 0 && (l.latency as number) <= elapsed, `latency ${l.latency} ms, the test saw ${elapsed.toFixed(1)} ms`)
    assert.equal(l.userAgent, 'probe/1')
    assert.equal(l.query, 'x=1&y=2')
    assert.equal(l.size, 10) // {"id":"7"}
    assert.equal(l.aborted, undefined)
    assert.equal(l.requestBody, undefined)
  })

  it('logs 404s without a route, and the 500 the app answered for an error nothing caught, at error', async () => {
    const { app, access } = capturing()
    app.use(requestId(), logger())
    app.get('/boom', () => {
      throw new Error('kaput')
    })
    assert.equal((await fetchIn(app, '/nope')).status, 404)
    assert.equal((await fetchIn(app, '/boom')).status, 500)
    await until(() => access().length === 2)
    const [miss, boom] = access()
    assert.deepEqual([miss!.status, miss!.route, miss!.level], [404, undefined, 30])
    assert.deepEqual([boom!.status, boom!.route, boom!.level], [500, '/boom', 50])
  })

  it('logs a streamed response when it ends, with its real size', async () => {
    const { app, access } = capturing()
    app.use(logger())
    // The stream is held after its first chunk (which carries the head) until the test releases it.
    const more = gate()
    let started = 0
    app.get('/stream', async function* () {
      started = performance.now()
      yield 'x'.repeat(1000)
      await more.wait
      yield 'x'.repeat(1000)
      yield 'x'.repeat(1000)
    })
    const port = await listen(app)
    const res = await fetch(`http://127.0.0.1:${port}/stream`)
    assert.equal(access().length, 0, 'nothing logged when the head is sent (the stream is still held)')
    // Held a while longer, so that a latency taken at the head would fall short of the one taken at the end.
    await sleep(50)
    const released = performance.now()
    more.release()
    assert.equal((await res.text()).length, 3000)
    await until(() => access().length === 1)
    assert.equal(access()[0]!.size, 3000)
    const held = released - started
    assert.ok((access()[0]!.latency as number) >= held, `latency ${access()[0]!.latency} ms covers the ${held.toFixed(1)} ms the stream was held`)
  })

  it('says aborted, at warn, with the bytes that went out, when the client leaves mid-stream', async () => {
    const { app, access } = capturing()
    app.use(logger())
    app.get('/endless', () =>
      Readable.from(
        (async function* () {
          for (;;) {
            yield Buffer.alloc(1024, 97)
            await new Promise((r) => setImmediate(r))
          }
        })(),
      ),
    )
    const port = await listen(app)
    await new Promise<void>((resolve) => {
      // The client leaves once it has read a few chunks: always mid-stream, the stream being endless.
      const req = httpRequest({ port, path: '/endless' }, (res) => {
        let got = 0
        res.on('data', (d: Buffer) => {
          got += d.length
          if (got >= 4 * 1024) req.destroy()
        })
      })
      req.on('error', () => resolve())
      req.on('close', () => resolve())
      req.end()
    })
    await until(() => access().length === 1)
    const l = access()[0]!
    assert.equal(l.aborted, true)
    assert.equal(l.level, 40)
    assert.equal(l.status, 200)
    assert.match(String(l.clientIP), /127\.0\.0\.1/, 'the address is known although the socket is gone')
    assert.ok((l.size as number) >= 1024 && (l.size as number) % 1024 === 0)
  })

  it('logs 499 when the client leaves before the head was sent', async () => {
    const { app, access } = capturing()
    app.use(logger())
    let entered = false
    // The handler answers only once the line is written: the client has always left before the head.
    const answer = gate()
    app.get('/slow', async () => {
      entered = true
      await answer.wait
      return 'late'
    })
    const port = await listen(app)
    const req = httpRequest({ port, path: '/slow' })
    req.on('error', () => {})
    req.end()
    await until(() => entered)
    req.destroy()
    try {
      await until(() => access().length === 1)
    } finally {
      answer.release()
    }
    assert.deepEqual([access()[0]!.status, access()[0]!.aborted, access()[0]!.size], [499, true, 0])
  })

  it('adds captured bodies in debug mode, redacted and truncated; never in release mode', async () => {
    for (const mode of ['debug', 'release'] as const) {
      const { app, access } = capturing({ mode })
      app.use(
        logger({ maxBodyLength: 40 }),
        async (c, next) => {
          await next()
          // Stands in for a capture() nearer the handler: what it stores under c.get('capture').
          ;(c.set as (k: string, v: unknown) => void)('capture', { request: '{"user":"ada","password":"hunter2"}', response: new TextEncoder().encode(JSON.stringify({ token: 't', list: 'y'.repeat(100) })) })
        },
      )
      app.get('/', () => 'ok')
      await fetchIn(app, '/')
      await until(() => access().length === 1)
      const l = access()[0]!
      if (mode === 'release') {
        assert.equal(l.requestBody, undefined)
        assert.equal(l.responseBody, undefined)
        continue
      }
      assert.equal(l.requestBody, '{"user":"ada","password":"[Redacted]"}')
      assert.match(String(l.responseBody), /^\{"token":"\[Redacted\]","list":"y+…\[truncated \d+ chars\]$/)
    }
  })

  it('captures the response body itself in debug mode, before compress() encodes it; not with bodies: false', async () => {
    const { compress } = await import('../compress/index.js')
    const big = JSON.stringify({ list: Array.from({ length: 500 }, (_, i) => i) })
    for (const bodies of [undefined, false]) {
      const { app, access } = capturing({ mode: 'debug' })
      let stored: unknown
      app.use(async (c, next) => {
        await next()
        stored = c.get('capture')
      })
      app.use(logger({ bodies, maxBodyLength: 4096 }), compress())
      app.post('/echo', async (c) => c.header('content-type', 'application/json').body(JSON.stringify({ got: await c.req.json(), big })))
      const res = await fetchIn(app, '/echo', { method: 'POST', body: '{"q":1}', headers: { 'content-type': 'application/json', 'accept-encoding': 'gzip' } })
      assert.equal(res.headers.get('content-encoding'), 'gzip')
      await until(() => access().length === 1)
      const l = access()[0]!
      if (bodies === false) {
        assert.deepEqual([l.requestBody, l.responseBody, stored], [undefined, undefined, undefined])
        continue
      }
      assert.equal(l.requestBody, '{"q":1}')
      assert.equal(l.responseBody, JSON.stringify({ got: { q: 1 }, big }))
    }
  })

  it('with capture() and a body read through c.req: both bodies, redacted; streams when they end', async () => {
    const { app, access } = capturing({ mode: 'debug' })
    app.use(requestId(), logger({ maxBodyLength: 200 }), capture())
    app.post('/login', async (c) => {
      const body = await c.req.json<{ user: string }>()
      return { ok: true, user: body.user, token: 'tok' }
    })
    app.get('/img', (c) => c.header('content-type', 'image/png').body(new Uint8Array([1, 2, 3])))
    app.get('/ndjson', (c) => {
      c.header('content-type', 'application/x-ndjson')
      return (async function* () {
        yield '{"a":1}\n'
        await new Promise((r) => setImmediate(r))
        yield '{"b":2}\n'
      })()
    })
    app.post('/unread', () => 'ignored the body')
    const json = { 'content-type': 'application/json' }
    await fetchIn(app, '/login', { method: 'POST', body: JSON.stringify({ user: 'ada', password: 'pw' }), headers: json })
    await fetchIn(app, '/img')
    await fetchIn(app, '/ndjson')
    await fetchIn(app, '/unread', { method: 'POST', body: '{"x":1}', headers: json })
    await until(() => access().length === 4)
    const [login, img, nd, unread] = access()
    assert.equal(login!.requestBody, '{"user":"ada","password":"[Redacted]"}')
    assert.equal(login!.responseBody, '{"ok":true,"user":"ada","token":"[Redacted]"}')
    assert.deepEqual([img!.requestBody, img!.responseBody], [undefined, '[not captured: type]'])
    assert.equal(nd!.responseBody, '{"a":1}\n{"b":2}\n')
    assert.deepEqual([unread!.requestBody, unread!.responseBody], [undefined, 'ignored the body'], 'an unread body is never read for the log')
  })

  it('writes through a given logger, adding requestId itself', async () => {
    const { app } = capturing()
    const mine: Line[] = []
    const own = createLogger({ level: 'info', mode: 'test', destination: { write: (s: string) => void mine.push(JSON.parse(s)) } })
    app.use(requestId({ generate: () => 'fixed-id' }), logger({ logger: own, message: 'access' }))
    app.get('/', () => 'ok')
    await fetchIn(app, '/')
    await until(() => mine.length === 1)
    assert.deepEqual([mine[0]!.msg, mine[0]!.requestId, mine[0]!.status], ['access', 'fixed-id', 200])
  })

  it('skips what skip() says', async () => {
    const { app, access } = capturing()
    const { watch, closed } = closes()
    app.use(logger({ skip: (c) => c.req.path === '/healthz' }), watch)
    app.get('/healthz', () => 'ok')
    app.get('/', () => 'ok')
    await fetchIn(app, '/healthz')
    await fetchIn(app, '/')
    // Both responses closed: every line they would write is written.
    await until(() => closed() === 2, 'both responses closed')
    assert.equal(access().length, 1)
    assert.equal(access()[0]!.path, '/')
  })
})

describe('logger: the fast path', () => {
  it('writes the same line pino would, key for key, and honours the level', async () => {
    const out: Record<string, string[]> = { fast: [], pino: [] }
    for (const kind of ['fast', 'pino'] as const) {
      const log = createLogger({
        level: 'info',
        mode: 'test',
        name: 'svc',
        destination: { write: (s: string) => void out[kind]!.push(s) },
        // Any pino option turns the fast path off: pino writes the line itself.
        ...(kind === 'pino' ? { pino: {} } : {}),
      })
      const app = createApp({ mode: 'test', logger: log })
      const { watch, closed } = closes()
      app.use(requestId({ generate: () => 'same-id' }), logger({ bodies: true }), watch)
      app.post('/q/:x', async (c) => {
        ;(c.set as (k: string, v: unknown) => void)('capture', { request: 'a="quoted"\n', response: 'ünï' })
        return c.text('done')
      })
      await fetchIn(app, '/q/1?token=abc&b=%22', { method: 'POST', body: 'x', headers: { 'content-type': 'text/plain', 'user-agent': 'tab\there' } })
      await until(() => out[kind]!.length === 1)
      log.level = 'warn'
      await fetchIn(app, '/q/1')
      await until(() => closed() === 2, 'the second response closed')
      assert.equal(out[kind]!.length, 1, 'info lines are dropped at level warn')
    }
    const norm = (s: string) => s.replace(/"time":\d+/, '"time":0').replace(/"latency":[\d.]+/, '"latency":0').replace(/"pid":\d+/, '"pid":0')
    assert.equal(norm(out.fast![0]!), norm(out.pino![0]!))
    const line = JSON.parse(out.fast![0]!) as Line
    assert.deepEqual([line.name, line.query, line.requestBody, line.responseBody, line.userAgent], ['svc', 'token=[Redacted]&b=%22', 'a="quoted"\n', 'ünï', 'tab\there'])
  })

  it('builds a line that needs no escaping into the bytes pino writes, latencies and escapes included', () => {
    const lines: Record<string, string[]> = { fast: [], pino: [] }
    const logs = Object.fromEntries(
      (['fast', 'pino'] as const).map((k) => [
        k,
        createLogger({ level: 'info', mode: 'test', name: 'svc', destination: { write: (s: string) => void lines[k]!.push(s) }, ...(k === 'pino' ? { pino: {} } : {}) }),
      ]),
    )
    const base: AccessRecord = {
      requestId: 'abc-1',
      status: 200,
      method: 'GET',
      protocol: 'http/1.1',
      contentType: undefined,
      clientIP: '127.0.0.1',
      clientEndpoint: '127.0.0.1:5555',
      path: '/a/%C3%A9',
      route: '/a/:x',
      latency: 0,
      userAgent: 'curl/8',
      query: 'q=1',
      size: 17,
    }
    const cases: AccessRecord[] = [
      ...[0, 0.001, 0.5, 1.025, 12, 3.4, 1234.567, 99.99].map((latency) => ({ ...base, latency })),
      { ...base, contentType: 'text/plain', route: undefined, userAgent: undefined, requestId: undefined, aborted: true, status: 499 },
      { ...base, userAgent: 'say "hi"\\' },
      { ...base, path: '/ü', query: 'x=\u0001' },
      { ...base, clientIP: '"1.2.3.4"' },
      { ...base, method: 'G"T', requestId: 'a\\b' },
      { ...base, latency: Number.NaN, size: 0 },
      // A value that needed escaping is tested again the next time, not remembered as clean.
      { ...base, contentType: 'a\tb' },
      { ...base, contentType: 'a\tb', size: 1 },
      { ...base, contentType: 'a/b' },
      { ...base, userAgent: 'pair \u{1f600}' },
      { ...base, route: '/r\u001f' },
    ]
    // The same clock for both: milliseconds that need their leading zeros, and none.
    const times = [1796288452005, 1796288452050, 1796288452000, 1796288452999, 1796288453100]
    const now = Date.now
    try {
      cases.forEach((rec, i) => {
        Date.now = () => times[i % times.length]!
        assert.equal(writeAccessLine(logs.fast!, 'info', rec, 'http access log'), true)
        logs.pino!.info(rec, 'http access log')
      })
    } finally {
      Date.now = now
    }
    assert.equal(lines.fast!.length, cases.length)
    assert.deepEqual(lines.fast, lines.pino)
    assert.equal((JSON.parse(lines.fast![0]!) as Line).time, times[0])
    // A lone surrogate is escaped, as JSON.stringify does (pino writes short strings' raw, which UTF-8 loses).
    writeAccessLine(logs.fast!, 'info', { ...base, query: 'lone=\ud800' }, 'http access log')
    assert.match(lines.fast!.at(-1)!, /"query":"lone=\\ud800"/)
    assert.equal((JSON.parse(lines.fast!.at(-1)!) as Line).query, 'lone=\ud800')
  })

  it('is off when redaction could touch an access field', async () => {
    const lines: Line[] = []
    const log = createLogger({ level: 'info', mode: 'test', redact: ['clientIP'], destination: { write: (s: string) => void lines.push(JSON.parse(s)) } })
    const app = createApp({ mode: 'test', logger: log })
    app.use(logger())
    app.get('/', () => 'ok')
    await fetchIn(app, '/')
    await until(() => lines.length === 1)
    assert.equal(lines[0]!.clientIP, '[Redacted]')
  })
})

describe('logger and HttpError', () => {
  it('logs the status an HttpError became', async () => {
    const { app, access } = capturing()
    app.use(logger())
    app.get('/teapot', () => {
      throw new HttpError(418, 'short and stout')
    })
    await fetchIn(app, '/teapot')
    await until(() => access().length === 1)
    assert.equal(access()[0]!.status, 418)
  })
})
