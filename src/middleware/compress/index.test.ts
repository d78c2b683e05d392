import assert from 'node:assert/strict'
import * as http from 'node:http'
import { Readable, type Transform } from 'node:stream'
import { describe, it } from 'node:test'
import * as zlib from 'node:zlib'
import { type Context, createApp } from '../../index.js'
import { onBeforeEncoding } from '../../stream/encoding.js'
import { wantsFlush } from '../../stream/flush.js'
import { consoleLogger } from '../../utils/console-logger.js'
import { type CompressOptions, type Compressor, compress, deflate, gzip, negotiate, zstd, zstdAvailable } from './index.js'

const BIG = JSON.stringify(Array.from({ length: 300 }, (_, i) => ({ id: i, name: `user ${i}`, email: `u${i}@example.com` })))
const quiet = () => createApp({ mode: 'test', logger: consoleLogger('silent') })

function serve(handler: (c: Context) => unknown, options?: CompressOptions) {
  const app = quiet()
  app.use(compress(options))
  app.all('/t', handler)
  return (headers: Record<string, string> = {}, method = 'GET') => app.request('/t', { method, headers })
}

const zstdZ = zlib as unknown as { zstdDecompressSync?: (b: Uint8Array) => Buffer; zstdCompressSync?: (b: Uint8Array) => Buffer }
function decode(coding: string | null, bytes: Uint8Array): string {
  const b = Buffer.from(bytes)
  if (coding === 'br') return zlib.brotliDecompressSync(b).toString()
  if (coding === 'gzip') return zlib.gunzipSync(b).toString()
  if (coding === 'deflate') return zlib.inflateSync(b).toString()
  if (coding === 'zstd') return zstdZ.zstdDecompressSync!(b).toString()
  return b.toString()
}

async function body(res: Response): Promise<string> {
  return decode(res.headers.get('content-encoding'), new Uint8Array(await res.arrayBuffer()))
}

describe('compress: negotiation (RFC 9110 §12.5.3)', () => {
  const table: Array<[string | undefined, string | undefined, boolean]> = [
    [undefined, undefined, true],
    ['', undefined, true],
    ['gzip, deflate, br', 'br', true],
    ['gzip', 'gzip', true],
    ['x-gzip', 'gzip', true],
    ['GZIP;Q=0.5, deflate;q=0.9', 'deflate', true],
    ['br;q=0.5, gzip;q=0.5', 'br', true],
    ['*', 'br', true],
    ['*;q=0.2, gzip;q=0', 'br', true],
    ['br;q=0, gzip;q=0', undefined, true],
    ['identity', undefined, true],
    ['gzip;q=0.4, identity;q=0.8', undefined, true],
    ['identity;q=0', undefined, false],
    ['gzip, identity;q=0', 'gzip', false],
    ['*;q=0', undefined, false],
    ['*;q=0, identity', undefined, true],
    ['gzip;q=2, deflate;q=abc', undefined, true],
    ['snappy', undefined, true],
  ]
  for (const [header, coding, identity] of table) {
    it(`${JSON.stringify(header)} → ${coding ?? 'identity'}${identity ? '' : ' (identity refused)'}`, () => {
      assert.deepEqual(negotiate(header, ['br', 'gzip', 'deflate']), { coding, identity })
    })
  }
})

describe('compress: buffered bodies', () => {
  it('prefers br, sets Content-Encoding, Vary and the compressed Content-Length, and decodes to the body', async () => {
    const get = serve((c) => c.json(JSON.parse(BIG)))
    const res = await get({ 'accept-encoding': 'gzip, deflate, br' })
    assert.equal(res.headers.get('content-encoding'), 'br')
    assert.equal(res.headers.get('vary'), 'Accept-Encoding')
    const bytes = new Uint8Array(await res.arrayBuffer())
    assert.equal(Number(res.headers.get('content-length')), bytes.byteLength)
    assert.ok(bytes.byteLength < BIG.length / 3)
    assert.equal(decode('br', bytes), BIG)
  })

  for (const coding of ['gzip', 'deflate', 'br']) {
    it(`answers ${coding} when that is all the client takes`, async () => {
      const res = await serve(() => BIG)({ 'accept-encoding': coding })
      assert.equal(res.headers.get('content-encoding'), coding)
      assert.equal(await body(res), BIG)
    })
  }

  it('follows q-values, and the configured order on ties', async () => {
    const get = serve(() => BIG, { encodings: ['gzip', 'br'] })
    assert.equal((await get({ 'accept-encoding': 'br, gzip' })).headers.get('content-encoding'), 'gzip')
    assert.equal((await get({ 'accept-encoding': 'br;q=1, gzip;q=0.9' })).headers.get('content-encoding'), 'br')
  })

  it('sends identity (with Vary) without Accept-Encoding, below the threshold, and for identity-only clients', async () => {
    const cases: Array<[string | undefined, string]> = [[undefined, BIG], ['gzip', 'small'], ['identity', BIG], ['unknown', BIG]]
    for (const [ae, text] of cases) {
      const res = await serve(() => text)(ae === undefined ? {} : { 'accept-encoding': ae })
      assert.equal(res.headers.get('content-encoding'), null, String(ae))
      assert.equal(res.headers.get('vary'), 'Accept-Encoding')
      assert.equal(await res.text(), text)
    }
  })

  it('filters by Content-Type (default: text, json, javascript, xml, svg, wasm, fonts but woff)', async () => {
    const table: Array<[string, boolean]> = [
      ['application/json', true],
      ['text/html; charset=utf-8', true],
      ['application/javascript', true],
      ['image/svg+xml', true],
      ['application/wasm', true],
      ['font/ttf', true],
      ['font/woff2', false],
      ['image/png', false],
      ['application/octet-stream', false],
    ]
    for (const [type, yes] of table) {
      const res = await serve((c) => c.header('content-type', type).body(Buffer.from(BIG)))({ 'accept-encoding': 'gzip' })
      assert.equal(res.headers.get('content-encoding'), yes ? 'gzip' : null, type)
      assert.equal(res.headers.get('vary'), yes ? 'Accept-Encoding' : null, type)
    }
    const custom = serve((c) => c.header('content-type', 'image/png').body(Buffer.from(BIG)), { filter: /png/ })
    assert.equal((await custom({ 'accept-encoding': 'gzip' })).headers.get('content-encoding'), 'gzip')
  })

  it('appends to an existing Vary, and leaves Vary: * alone', async () => {
    const a = await serve((c) => c.header('vary', 'Origin').text(BIG))({ 'accept-encoding': 'gzip' })
    assert.equal(a.headers.get('vary'), 'Origin, Accept-Encoding')
    const b = await serve((c) => c.header('vary', 'accept-encoding').text(BIG))({ 'accept-encoding': 'gzip' })
    assert.equal(b.headers.get('vary'), 'accept-encoding')
    const star = await serve((c) => c.header('vary', '*').text(BIG))({ 'accept-encoding': 'gzip' })
    assert.equal(star.headers.get('vary'), '*')
  })

  it('never encodes twice, and respects Cache-Control: no-transform', async () => {
    const pre = zlib.gzipSync(BIG)
    const a = await serve((c) => c.header('content-encoding', 'gzip').header('content-type', 'application/json').body(pre))({ 'accept-encoding': 'br' })
    assert.equal(a.headers.get('content-encoding'), 'gzip')
    assert.equal(decode('gzip', new Uint8Array(await a.arrayBuffer())), BIG)
    const b = await serve((c) => c.header('cache-control', 'public, no-transform').text(BIG))({ 'accept-encoding': 'br' })
    assert.deepEqual([b.headers.get('content-encoding'), b.headers.get('vary'), await b.text()], [null, null, BIG])
  })

  it('drops Accept-Ranges from a compressed answer (ranges would be of the identity body)', async () => {
    const res = await serve((c) => c.header('accept-ranges', 'bytes').text(BIG))({ 'accept-encoding': 'gzip' })
    assert.deepEqual([res.headers.get('content-encoding'), res.headers.get('accept-ranges')], ['gzip', null])
  })

  it('turns a strong ETag weak, and keeps a weak one', async () => {
    const strong = await serve((c) => c.header('etag', '"abc"').text(BIG))({ 'accept-encoding': 'gzip' })
    assert.equal(strong.headers.get('etag'), 'W/"abc"')
    const weak = await serve((c) => c.header('etag', 'W/"abc"').text(BIG))({ 'accept-encoding': 'gzip' })
    assert.equal(weak.headers.get('etag'), 'W/"abc"')
    const plain = await serve((c) => c.header('etag', '"abc"').text(BIG))({})
    assert.equal(plain.headers.get('etag'), '"abc"')
  })

  it('answers HEAD with the headers of GET and no body', async () => {
    const get = serve(() => BIG)
    const g = await get({ 'accept-encoding': 'gzip' })
    const h = await get({ 'accept-encoding': 'gzip' }, 'HEAD')
    assert.equal(h.headers.get('content-encoding'), 'gzip')
    assert.equal(h.headers.get('content-length'), g.headers.get('content-length'))
    assert.equal(h.body, null)
  })

  it('leaves 204 and 206 alone, and gives a 304 the Vary and weak ETag of its 200', async () => {
    const none = await serve((c) => c.status(204))({ 'accept-encoding': 'gzip' })
    assert.deepEqual([none.status, none.headers.get('content-encoding')], [204, null])
    const part = await serve((c) => c.status(206).text(BIG))({ 'accept-encoding': 'gzip' })
    assert.deepEqual([part.status, part.headers.get('content-encoding'), await part.text()], [206, null, BIG])
    const nm = await serve((c) => c.status(304).header('etag', '"v1"').body(null))({ 'accept-encoding': 'gzip' })
    assert.deepEqual([nm.status, nm.headers.get('etag'), nm.headers.get('vary'), nm.headers.get('content-encoding')], [304, 'W/"v1"', 'Accept-Encoding', null])
  })

  it('refuses identity;q=0 with 406 ERR_COMPRESS_NOT_ACCEPTABLE when no coding fits, and compresses small bodies when it does', async () => {
    const get = serve(() => 'tiny', { encodings: ['gzip'] })
    const no = await get({ 'accept-encoding': 'br, identity;q=0', accept: 'application/json' })
    assert.equal(no.status, 406)
    assert.equal(((await no.json()) as { code: string }).code, 'ERR_COMPRESS_NOT_ACCEPTABLE')
    const yes = await get({ 'accept-encoding': 'gzip, identity;q=0' })
    assert.equal(yes.headers.get('content-encoding'), 'gzip')
    assert.equal(await body(yes), 'tiny')
  })

  it('compresses large bodies (async zlib from 64 KB) correctly', async () => {
    const large = BIG.repeat(20)
    const res = await serve(() => large)({ 'accept-encoding': 'gzip' })
    assert.equal(await body(res), large)
  })

  it('skips requests when skip() says so', async () => {
    const res = await serve(() => BIG, { skip: (c) => c.req.path === '/t' })({ 'accept-encoding': 'gzip' })
    assert.equal(res.headers.get('content-encoding'), null)
  })
})

describe('compress: streams', () => {
  it('compresses a stream as it flows, without Content-Length', async () => {
    const parts = Array.from({ length: 50 }, (_, i) => `line ${i} ${'x'.repeat(100)}\n`)
    const get = serve((c) => c.header('content-type', 'text/plain').header('content-length', 5150).body(Readable.from(parts)))
    const res = await get({ 'accept-encoding': 'gzip' })
    assert.equal(res.headers.get('content-encoding'), 'gzip')
    assert.equal(res.headers.get('content-length'), null)
    assert.equal(await body(res), parts.join(''))
  })

  it('leaves a stream with a Content-Length below the threshold alone', async () => {
    const res = await serve((c) => c.header('content-type', 'text/plain').header('content-length', 2).body(Readable.from(['hi'])))({ 'accept-encoding': 'gzip' })
    assert.deepEqual([res.headers.get('content-encoding'), await res.text()], [null, 'hi'])
  })

  it('flushes every SSE event so the client decodes it before the stream ends (real socket)', async () => {
    let release!: () => void
    const gate = new Promise<void>((r) => {
      release = r
    })
    async function* events() {
      yield 'data: one\n\n'
      await gate
      yield 'data: two\n\n'
    }
    for (const coding of ['gzip', 'br', 'deflate', ...(zstdAvailable ? ['zstd'] : [])]) {
      const app = quiet()
      app.use(compress({ encodings: [coding as 'gzip'] }))
      app.get('/t', (c) => c.header('content-type', 'text/event-stream').body(events()))
      const got = await firstOverSocket(app, '/t', coding)
      assert.deepEqual(got, { coding, first: 'data: one\n\n' }, coding)
    }
    release()
  })

  it('flushes each c.sse() event (a body marked FLUSH), and the compressed stream keeps the mark', async () => {
    let marked = false
    const app = quiet()
    app.use(async (c, next) => {
      await next()
      marked = wantsFlush(c.res.body)
    })
    app.use(compress())
    app.get('/sse', (c) =>
      c.sse(async (stream) => {
        await stream.send({ event: 'hello', data: { n: 1 } })
        await stream.untilClosed()
      }),
    )
    const got = await firstOverSocket(app, '/sse', 'br')
    assert.deepEqual(got, { coding: 'br', first: 'event: hello\ndata: {"n":1}\n\n' })
    assert.equal(marked, true)
  })

  it('flushes any stream with flush: true', async () => {
    async function* slow() {
      yield 'chunk one '.repeat(200)
      await new Promise(() => {})
    }
    const app = quiet()
    app.use(compress({ flush: true }))
    app.get('/t', (c) => c.header('content-type', 'text/plain').body(slow()))
    assert.deepEqual(await firstOverSocket(app, '/t', 'gzip'), { coding: 'gzip', first: 'chunk one '.repeat(200) })
  })

  it("calls a Compressor's flush when the source pauses, not per chunk of a bulk stream", async () => {
    let flushes = 0
    const base = gzip()
    const codec: Compressor = {
      encoding: 'gzip',
      compress: base.compress,
      stream: base.stream,
      flush(s) {
        flushes++
        base.flush!(s)
      },
    }
    const bulk = Array.from({ length: 4000 }, (_, i) => `line ${i} ${'x'.repeat(40)}\n`)
    const get = serve((c) => c.header('content-type', 'text/plain').body(Readable.from(bulk)), { encodings: [codec] })
    assert.equal(await body(await get({ 'accept-encoding': 'gzip' })), bulk.join(''))
    assert.ok(flushes < 10, `${flushes} flushes for 4000 chunks`)
    flushes = 0
    let release!: () => void
    const gate = new Promise<void>((r) => {
      release = r
    })
    async function* live() {
      yield 'first\n'
      await gate
      yield 'second\n'
    }
    const app = quiet()
    app.use(compress({ encodings: [codec] }))
    app.get('/t', (c) => c.header('content-type', 'text/plain').body(live()))
    assert.deepEqual(await firstOverSocket(app, '/t', 'gzip'), { coding: 'gzip', first: 'first\n' })
    release()
    assert.ok(flushes >= 1)
  })

  it('hands the plain body to a layer that asked to see it before encoding, and only when it encodes', async () => {
    const seen: unknown[] = []
    const app = quiet()
    app.use(async (c, next) => {
      onBeforeEncoding(c, (b: unknown) => {
        seen.push(typeof b === 'string' ? b : 'stream')
        return b
      })
      await next()
    })
    app.use(compress())
    app.get('/big', () => BIG)
    app.get('/small', () => 'tiny')
    app.get('/stream', (c) => c.header('content-type', 'text/plain').body(Readable.from(['a', 'b'])))
    const h = { 'accept-encoding': 'gzip' }
    assert.equal(await body(await app.request('/big', { headers: h })), BIG)
    assert.equal(await body(await app.request('/small', { headers: h })), 'tiny')
    assert.equal(await body(await app.request('/stream', { headers: h })), 'ab')
    assert.deepEqual(seen, [BIG, 'stream'])
  })

  it('stops the source when the client goes away', async () => {
    let stop!: () => void
    const stopped = new Promise<void>((r) => {
      stop = r
    })
    async function* endless() {
      try {
        for (;;) {
          yield 'tick '.repeat(50)
          await new Promise((r) => setTimeout(r, 1))
        }
      } finally {
        stop()
      }
    }
    const res = await serve((c) => c.header('content-type', 'text/plain').body(endless()))({ 'accept-encoding': 'gzip' })
    const reader = res.body!.getReader()
    await reader.read()
    await reader.cancel()
    // The source is endless: it ends only because the client left. The bound only keeps a broken test from hanging.
    let timer: NodeJS.Timeout | undefined
    const hung = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('the source was not stopped within 30 s of the client leaving')), 30_000)
    })
    await Promise.race([stopped, hung]).finally(() => clearTimeout(timer))
  })

  it('sets the coding headers for HEAD without running the stream', async () => {
    let ran = false
    async function* gen() {
      ran = true
      yield BIG
    }
    const res = await serve((c) => c.header('content-type', 'application/json').body(gen()))({ 'accept-encoding': 'br' }, 'HEAD')
    assert.deepEqual([res.headers.get('content-encoding'), res.body, ran], ['br', null, false])
  })
})

describe('compress: codecs and levels', () => {
  it('plugs in a Compressor (snappy via snappyjs); streams fall back to a coding that can stream', async () => {
    const name = 'snappyjs'
    const snappy = (await import(name)) as { compress(b: Uint8Array): Uint8Array; uncompress(b: Uint8Array): Uint8Array }
    const codec: Compressor = { encoding: 'x-snappy', compress: (data) => snappy.compress(data) }
    const get = serve((c) => (c.req.query.s ? c.header('content-type', 'text/plain').body(Readable.from([BIG])) : c.text(BIG)), { encodings: [codec, 'gzip'] })
    const res = await get({ 'accept-encoding': 'x-snappy, gzip' })
    assert.equal(res.headers.get('content-encoding'), 'x-snappy')
    assert.equal(Buffer.from(snappy.uncompress(new Uint8Array(await res.arrayBuffer()))).toString(), BIG)
    const app = quiet()
    app.use(compress({ encodings: [codec, 'gzip'] }))
    app.get('/s', (c) => c.header('content-type', 'text/plain').body(Readable.from([BIG])))
    const s = await app.request('/s', { headers: { 'accept-encoding': 'x-snappy, gzip' } })
    assert.equal(s.headers.get('content-encoding'), 'gzip')
    assert.equal(await body(s), BIG)
  })

  it('uses zstd from node:zlib where Node has it (22.15+), and refuses it at build time elsewhere', async (t) => {
    if (!zstdAvailable) {
      assert.throws(() => zstd(), TypeError)
      assert.throws(() => compress({ encodings: ['zstd'] }), TypeError)
      t.skip(`no zstd in node:zlib on ${process.version}`)
      return
    }
    const res = await serve(() => BIG)({ 'accept-encoding': 'zstd, gzip' })
    assert.equal(res.headers.get('content-encoding'), 'zstd')
    assert.equal(await body(res), BIG)
    const br = await serve(() => BIG)({ 'accept-encoding': 'zstd, br' })
    assert.equal(br.headers.get('content-encoding'), 'br')
  })

  it('uses the configured level, and the busy level when adaptive mode finds the event loop busy', async () => {
    const input = Buffer.from(BIG)
    const at = (level: number) => zlib.gzipSync(input, { level })
    assert.notDeepEqual(at(9), at(1))
    const levels = { encodings: [gzip({ level: 9, busyLevel: 1 })] }
    let load = 0
    const get = serve(() => BIG, { ...levels, adaptive: { threshold: 0.8, load: () => load } })
    const calm = Buffer.from(await (await get({ 'accept-encoding': 'gzip' })).arrayBuffer())
    load = 0.95
    const busy = Buffer.from(await (await get({ 'accept-encoding': 'gzip' })).arrayBuffer())
    assert.deepEqual([calm.equals(at(9)), busy.equals(at(1))], [true, true])
    const off = serve(() => BIG, levels)
    assert.ok(Buffer.from(await (await off({ 'accept-encoding': 'gzip' })).arrayBuffer()).equals(at(9)))
  })

  it('measures event-loop utilisation by default (adaptive: true) without breaking responses', async () => {
    const res = await serve(() => BIG, { adaptive: true })({ 'accept-encoding': 'gzip' })
    assert.equal(await body(res), BIG)
  })

  it('refuses bad options with a TypeError when built', () => {
    const bad: unknown[] = [
      { threshold: -1 },
      { threshold: 1.5 },
      { encodings: [] },
      { encodings: ['lzma'] },
      { encodings: [{ encoding: 'x' }] },
      { filter: 'json' },
      { adaptive: { threshold: 2 } },
      { adaptive: { interval: 0 } },
      { adaptive: { load: 1 } },
    ]
    for (const o of bad) assert.throws(() => compress(o as CompressOptions), TypeError, JSON.stringify(o))
    assert.throws(() => gzip({ level: 10 }), TypeError)
    assert.throws(() => deflate({ busyLevel: -2 }), TypeError)
  })
})

/** Over a real socket: the coding and the first decoded output, read while the stream is still open. */
async function firstOverSocket(app: ReturnType<typeof quiet>, path: string, coding: string): Promise<{ coding: string; first: string }> {
  const make: Record<string, () => Transform> = {
    gzip: () => zlib.createGunzip(),
    br: () => zlib.createBrotliDecompress(),
    deflate: () => zlib.createInflate(),
    zstd: () => (zlib as unknown as { createZstdDecompress: () => Transform }).createZstdDecompress(),
  }
  await app.listen({ port: 0 })
  try {
    return await new Promise((resolve, reject) => {
      // A generous bound: the test fails on a compressor that never flushes, not on a slow machine.
      const timer = setTimeout(() => reject(new Error('nothing decoded within 10 s: the compressor did not flush')), 10_000)
      const req = http.get({ host: '127.0.0.1', port: app.port, path, headers: { 'accept-encoding': coding } }, (res) => {
        const d = make[coding]!()
        res.pipe(d).once('data', (b: Buffer) => {
          clearTimeout(timer)
          resolve({ coding: String(res.headers['content-encoding']), first: b.toString() })
          req.destroy()
        })
      })
      req.on('error', reject)
    })
  } finally {
    await app.close({ timeout: 200 })
  }
}
