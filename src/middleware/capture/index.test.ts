import assert from 'node:assert/strict'
import { Readable, pipeline } from 'node:stream'
import { describe, it } from 'node:test'
import { brotliDecompressSync, createGzip, gunzipSync, gzipSync } from 'node:zlib'
import { toReadable } from '../../core/respond.js'
import { type App, type Context, type Middleware, createApp, markFlush, wantsFlush } from '../../index.js'
import { consoleLogger } from '../../utils/console-logger.js'
import { compress as compressMw } from '../compress/index.js'
import { recommended } from '../recommended/index.js'
import { type CaptureOptions, type CapturedResponse, capture } from './index.js'

const decodeBody = (coding: string, b: Buffer) => (coding === 'br' ? brotliDecompressSync(b) : gunzipSync(b)).toString()

/** Stands in for a compression middleware: gzips whatever body the inner layers produced. */
const gzip: Middleware = async (c, next) => {
  await next()
  const body = c.res.body
  if (body === null) return
  c.header('content-encoding', 'gzip')
  if (typeof body === 'string' || body instanceof Uint8Array) c.res.body = gzipSync(body)
  else c.res.body = pipeline(toReadable(body as Readable), createGzip(), () => {})
}

/** An app whose outermost layer records what capture stored, when the response has finished. */
function setup(handler: (c: Context) => unknown, options: CaptureOptions = {}, outer: Middleware[] = [], mode: 'debug' | 'test' = 'test') {
  const seen: { afterNext?: CapturedResponse; onCaptured?: CapturedResponse } = {}
  const app: App = createApp({ mode, logger: consoleLogger('silent') })
  app.use(async (c, next) => {
    await next()
    seen.afterNext = c.get('capture')?.response
  })
  for (const m of outer) app.use(m)
  app.use(
    capture({
      ...options,
      onCaptured: (cap) => {
        seen.onCaptured = cap
      },
    }),
  )
  app.get('/', handler)
  return { app, seen }
}

describe('capture: buffered bodies, available after next()', () => {
  it('a JSON handler', async () => {
    const { app, seen } = setup(() => ({ user: 'ada', list: [1, 2] }))
    assert.equal(await (await app.request('/')).text(), '{"user":"ada","list":[1,2]}')
    const cap = seen.afterNext!
    assert.equal(cap.text, '{"user":"ada","list":[1,2]}')
    assert.deepEqual([cap.size, cap.truncated, cap.complete, cap.streamed, cap.type], [27, false, true, false, 'application/json'])
    assert.equal(new TextDecoder().decode(cap.bytes), cap.text)
    assert.equal(seen.onCaptured, cap)
  })

  it('a text handler, truncated at maxBytes with the marker, never cutting a character', async () => {
    const { app, seen } = setup((c) => c.text('héllo wörld'), { maxBytes: 7 })
    await (await app.request('/')).text()
    const cap = seen.afterNext!
    assert.equal(cap.bytes.length, 7)
    assert.equal(cap.text, 'héllo …[truncated]')
    assert.deepEqual([cap.size, cap.truncated], [13, true])
  })

  it('a compressed response: capture sits inside compression and sees the uncompressed body', async () => {
    const { app, seen } = setup(() => ({ big: 'x'.repeat(100) }), {}, [gzip])
    const res = await app.request('/')
    assert.equal(res.headers.get('content-encoding'), 'gzip')
    assert.equal(gunzipSync(Buffer.from(await res.arrayBuffer())).toString(), JSON.stringify({ big: 'x'.repeat(100) }))
    assert.equal(seen.afterNext!.text, JSON.stringify({ big: 'x'.repeat(100) }))
  })

  it("outside compression it refuses to capture compressed bytes (skipped: 'encoded')", async () => {
    const app = createApp({ mode: 'test', logger: consoleLogger('silent') })
    let cap: CapturedResponse | undefined
    app.use(
      capture({
        onCaptured: (x) => {
          cap = x
        },
      }),
    )
    app.use(gzip)
    app.get('/', () => ({ a: 1 }))
    await (await app.request('/')).arrayBuffer()
    assert.deepEqual([cap!.skipped, cap!.text, cap!.bytes.length], ['encoded', '', 0])
  })

  it("skips binary types by default (skipped: 'type'); types selects what is captured", async () => {
    const png = setup((c) => c.header('content-type', 'image/png').body(new Uint8Array([1, 2, 3])))
    await (await png.app.request('/')).arrayBuffer()
    assert.equal(png.seen.afterNext!.skipped, 'type')
    const only = setup((c) => c.header('content-type', 'image/png').body(new Uint8Array([1, 2, 3])), { types: ['image/*'] })
    await (await only.app.request('/')).arrayBuffer()
    assert.deepEqual([...only.seen.afterNext!.bytes], [1, 2, 3])
    const notJson = setup(() => 'text', { types: ['application/json'] })
    await (await notJson.app.request('/')).text()
    assert.equal(notJson.seen.afterNext!.skipped, 'type')
  })

  it('runs only in the modes given: nothing is stored elsewhere', async () => {
    const off = setup(() => ({ a: 1 }), { mode: 'debug' }, [], 'test')
    await (await off.app.request('/')).text()
    assert.equal(off.seen.afterNext, undefined)
    const on = setup(() => ({ a: 1 }), { mode: 'debug' }, [], 'debug')
    await (await on.app.request('/')).text()
    assert.equal(on.seen.afterNext!.text, '{"a":1}')
  })

  it('refuses bad options with TypeError', () => {
    assert.throws(() => capture({ maxBytes: -1 }), TypeError)
    assert.throws(() => capture({ mode: 'prod' as 'debug' }), TypeError)
    assert.throws(() => capture({ types: ['json'] }), TypeError)
    assert.throws(() => capture({ onCaptured: 1 as never }), TypeError)
  })
})

describe('capture: streams, teed as they flow', () => {
  it('a streamed handler: captured when the stream ends', async () => {
    const { app, seen } = setup((c) => {
      c.header('content-type', 'text/plain; charset=utf-8')
      return (async function* () {
        yield 'line 1\n'
        yield 'line 2\n'
      })()
    })
    const res = await app.request('/')
    const cap = seen.afterNext!
    // The head waits for the first chunk, so some text may have flowed by now, but the stream has not ended.
    assert.deepEqual([cap.streamed, cap.complete], [true, false], 'still flowing when the response starts')
    assert.ok('line 1\nline 2\n'.startsWith(cap.text))
    assert.equal(await res.text(), 'line 1\nline 2\n')
    assert.equal((await cap.done).text, 'line 1\nline 2\n')
    assert.deepEqual([cap.complete, seen.onCaptured], [true, cap])
  })

  it('a streamed and compressed response', async () => {
    const { app, seen } = setup(() => Readable.from(['{"a":', '1}']), { types: ['application/octet-stream'] }, [gzip])
    const res = await app.request('/')
    assert.equal(gunzipSync(Buffer.from(await res.arrayBuffer())).toString(), '{"a":1}')
    assert.equal((await seen.afterNext!.done).text, '{"a":1}')
  })

  it('keeps the flush mark of an SSE body', async () => {
    let flushed: boolean | undefined
    const { app, seen } = setup((c) => c.sse((s) => s.send('x')), {}, [
      async (c, next) => {
        await next()
        flushed = wantsFlush(c.res.body)
      },
    ])
    assert.equal(await (await app.request('/')).text(), 'data: x\n\n')
    assert.equal(flushed, true)
    assert.equal((await seen.afterNext!.done).text, 'data: x\n\n')
    assert.ok(wantsFlush(markFlush({})))
  })

  it('a 10 MB stream with maxBytes 4096 captures 4096 bytes; memory stays flat', async () => {
    const chunk = Buffer.alloc(64 * 1024, 97)
    const { app, seen } = setup(
      (c) => {
        c.header('content-type', 'text/plain')
        return (function* () {
          for (let i = 0; i < 160; i++) yield chunk
        })()
      },
      { maxBytes: 4096 },
    )
    const before = process.memoryUsage()
    let peak = 0
    let got = 0
    const reader = (await app.request('/')).body!.getReader()
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      got += r.value.length
      const m = process.memoryUsage()
      peak = Math.max(peak, m.arrayBuffers - before.arrayBuffers + (m.heapUsed - before.heapUsed))
    }
    const cap = await seen.afterNext!.done
    assert.equal(got, 10 * 1024 * 1024)
    assert.deepEqual([cap.bytes.length, cap.size, cap.truncated, cap.complete], [4096, 10 * 1024 * 1024, true, true])
    assert.equal(cap.text, `${'a'.repeat(4096)}…[truncated]`)
    assert.ok(peak < 6 * 1024 * 1024, `memory grew by ${(peak / 1048576).toFixed(1)} MB while 10 MB streamed`)
  })
})

describe('capture: the debug access log with recommended() and compress(), no capture() by hand', () => {
  type Line = Record<string, unknown>
  const BIG = { items: Array.from({ length: 60 }, (_, i) => ({ id: i, name: `item ${i}` })) }
  const post = (body: unknown, headers: Record<string, string> = {}) => ({
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...headers },
  })

  /** recommended() (its logger writing into `lines`), optionally compress(), and a JSON POST route and a stream route. */
  function stack(mode: 'debug' | 'release', layers: Middleware[] = []) {
    const lines: Line[] = []
    const seen: Array<{ capture: unknown; body: unknown }> = []
    const streams: unknown[] = []
    const app = createApp({ mode, logger: consoleLogger('debug', (l) => void lines.push(JSON.parse(l))) })
    app.use(async (c, next) => {
      await next()
      seen.push({ capture: c.get('capture'), body: c.res.body })
    })
    app.use(...recommended({ logger: { maxBodyLength: 10_000 } }))
    for (const m of layers) app.use(m)
    app.post('/items', async (c) => {
      const sent = await c.req.json<{ name: string }>()
      return { ...BIG, created: sent.name }
    })
    app.get('/stream', (c) => {
      c.header('content-type', 'text/plain; charset=utf-8')
      const s = Readable.from(Array.from({ length: 50 }, (_, i) => `line ${i} ${'x'.repeat(40)}\n`))
      streams.push(s)
      return s
    })
    /** Waits for `n` access lines (written when each response closes); the 30 s bound only keeps a broken test from hanging. */
    const access = async (n: number) => {
      const logged = () => lines.filter((l) => l.msg === 'http access log')
      const end = performance.now() + 30_000
      while (logged().length < n) {
        if (performance.now() > end) throw new Error(`${logged().length} of ${n} access lines after 30 s`)
        await new Promise((r) => setTimeout(r, 5))
      }
      return logged()
    }
    return { app, access, seen, streams }
  }
  const streamText = Array.from({ length: 50 }, (_, i) => `line ${i} ${'x'.repeat(40)}\n`).join('')

  it('debug: a JSON POST logs its request and response bodies (redacted)', async () => {
    const { app, access } = stack('debug')
    const res = await app.request('/items', post({ name: 'lamp', password: 'pw' }))
    const text = await res.text()
    const [line] = await access(1)
    assert.equal(line!.requestBody, '{"name":"lamp","password":"[Redacted]"}')
    assert.equal(line!.responseBody, text)
    assert.equal(JSON.parse(text).created, 'lamp')
  })

  for (const coding of ['br', 'gzip']) {
    it(`debug, with compress() after recommended() (${coding}): the response body is logged decoded, buffered and streamed`, async () => {
      const { app, access } = stack('debug', [compressMw()])
      const res = await app.request('/items', post({ name: 'lamp' }, { 'accept-encoding': coding }))
      assert.equal(res.headers.get('content-encoding'), coding)
      const sent = decodeBody(coding, Buffer.from(await res.arrayBuffer()))
      const s = await app.request('/stream', { headers: { 'accept-encoding': coding } })
      assert.equal(s.headers.get('content-encoding'), coding)
      assert.equal(decodeBody(coding, Buffer.from(await s.arrayBuffer())), streamText)
      const [buffered, streamed] = await access(2)
      assert.equal(buffered!.requestBody, '{"name":"lamp"}')
      assert.equal(buffered!.responseBody, sent)
      assert.equal(JSON.parse(sent).created, 'lamp')
      assert.equal(streamed!.responseBody, streamText)
    })
  }

  it('debug, over a socket: a compressed stream is logged decoded once it ended', async () => {
    const { app, access } = stack('debug', [compressMw()])
    await app.listen({ port: 0, host: '127.0.0.1' })
    try {
      const res = await fetch(`http://127.0.0.1:${app.port}/stream`, { headers: { 'accept-encoding': 'gzip' } })
      assert.equal(res.headers.get('content-encoding'), 'gzip')
      assert.equal(await res.text(), streamText)
      const [line] = await access(1)
      assert.equal(line!.responseBody, streamText)
    } finally {
      await app.close({ timeout: 100 })
    }
  })

  it('release: no bodies are logged and capture does not run', async () => {
    for (const layers of [[], [compressMw()]]) {
      const { app, access, seen, streams } = stack('release', layers)
      await (await app.request('/items', post({ name: 'lamp' }, { 'accept-encoding': 'gzip' }))).arrayBuffer()
      await (await app.request('/stream')).text()
      const lines = await access(2)
      assert.equal(lines.length, 2)
      for (const l of lines) assert.deepEqual([l.requestBody, l.responseBody], [undefined, undefined])
      assert.deepEqual(seen.map((s) => s.capture), [undefined, undefined])
      assert.equal(seen[1]!.body, streams[0], 'the stream body was not wrapped')
    }
  })

  it('capture() placed by hand outside compress() now sees the plain body too; one placed inside wins over the logger', async () => {
    let outside: CapturedResponse | undefined
    const a = createApp({ mode: 'test', logger: consoleLogger('silent') })
    a.use(
      capture({
        onCaptured: (x) => {
          outside = x
        },
      }),
      compressMw(),
    )
    a.get('/', () => BIG)
    const res = await a.request('/', { headers: { 'accept-encoding': 'gzip' } })
    assert.equal(res.headers.get('content-encoding'), 'gzip')
    await res.arrayBuffer()
    assert.deepEqual([outside!.skipped, outside!.text], [undefined, JSON.stringify(BIG)])

    let inside: CapturedResponse | undefined
    const inner = capture({
      maxBytes: 10,
      onCaptured: (x) => {
        inside = x
      },
    })
    const { app, access } = stack('debug', [compressMw(), inner])
    await (await app.request('/items', post({ name: 'lamp' }, { 'accept-encoding': 'br' }))).arrayBuffer()
    const [line] = await access(1)
    assert.equal(inside!.text, '{"items":[…[truncated]')
    assert.equal(line!.responseBody, '{"items":[…[truncated]')
  })
})
