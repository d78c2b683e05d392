// The reading API on c.req, through in-memory requests: read once, read again, in any order, parse failures.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { gzipSync } from 'node:zlib'
import { type App, type BodyLimits, type Context, createApp } from '../index.js'
import { consoleLogger } from '../utils/console-logger.js'

function app(limits?: BodyLimits): App {
  return createApp({ mode: 'test', logger: consoleLogger('silent'), limits })
}

const post = (body: BodyInit, headers: Record<string, string> = {}) => ({ method: 'POST', body, headers })

/** Runs `read` in a handler and resolves with its value or the code of what it threw. */
async function attempt(a: App, read: (c: Context) => Promise<unknown> | unknown, init: RequestInit): Promise<unknown> {
  let got: unknown
  a.post('/t', async (c) => {
    try {
      got = await read(c)
    } catch (err) {
      got = { threw: (err as { code?: string }).code, status: (err as { status?: number }).status }
    }
    return null
  })
  await (await a.request('/t', init)).arrayBuffer()
  return got
}

describe('body: read once, read again', () => {
  it('gives a middleware and the handler the same bytes, text and JSON, in any order', async () => {
    const a = app()
    const seen: unknown[] = []
    a.post(
      '/',
      async (c, next) => {
        seen.push(await c.req.text())
        seen.push(await c.req.json())
        await next()
      },
      async (c) => {
        const json = await c.req.json()
        const bytes = await c.req.bytes()
        return { json, same: json === seen[1], text: (await c.req.text()) === seen[0], length: bytes.length }
      },
    )
    const res = await a.request('/', post('{"a":[1,2]}', { 'content-type': 'application/json' }))
    assert.deepEqual(await res.json(), { json: { a: [1, 2] }, same: true, text: true, length: 11 })
  })

  it('reads the body from the stream once, even when readers run concurrently', async () => {
    let pulls = 0
    const a = app()
    a.post('/', async (c) => {
      const [x, y, z] = await Promise.all([c.req.bytes(), c.req.text(), c.req.json()])
      return { same: x === (await c.req.bytes()), y, z }
    })
    const body = new ReadableStream<Uint8Array>({
      pull(ctl) {
        pulls++
        ctl.enqueue(new TextEncoder().encode('[1]'))
        ctl.close()
      },
    })
    const res = await a.request('/', { method: 'POST', body, duplex: 'half' } as RequestInit)
    assert.deepEqual(await res.json(), { same: true, y: '[1]', z: [1] })
    assert.equal(pulls, 1)
  })

  it('leaves the bytes intact after a failed JSON parse, for the next reader', async () => {
    const got = await attempt(
      app(),
      async (c) => {
        const first = await c.req.json().catch((e: { code: string; message: string }) => [e.code, e.message])
        return { first, text: await c.req.text(), second: await c.req.json().catch((e: { code: string }) => e.code) }
      },
      post('{"a":}'),
    )
    assert.deepEqual(got, {
      first: ['ERR_BODY_INVALID_JSON', "Invalid JSON at position 5 (line 1, column 6): Unexpected token '}'"],
      text: '{"a":}',
      second: 'ERR_BODY_INVALID_JSON',
    })
  })

  it('answers invalid JSON with 400, the position, line and column', async () => {
    const a = app()
    a.post('/', async (c) => c.req.json())
    const res = await a.request('/', post('{\n  "a": 1,\n  "b": tru\n}'))
    assert.equal(res.status, 400)
    const body = await res.json()
    assert.equal(body.code, 'ERR_BODY_INVALID_JSON')
    assert.deepEqual(body.details, { position: 19, line: 3, column: 8 })
    assert.match(body.message, /^Invalid JSON at position 19 \(line 3, column 8\)/)
  })

  it('streams the kept bytes when stream() comes after a read; any number of times', async () => {
    const got = await attempt(
      app(),
      async (c) => {
        await c.req.bytes()
        const one = Buffer.concat(await c.req.stream().toArray()).toString()
        const two = Buffer.concat(await c.req.stream().toArray()).toString()
        return [one, two]
      },
      post('hello'),
    )
    assert.deepEqual(got, ['hello', 'hello'])
  })

  it('stream() first consumes the body: a later read throws ERR_BODY_CONSUMED (500) saying why', async () => {
    const a = app()
    a.post('/', async (c) => {
      const s = Buffer.concat(await c.req.stream().toArray()).toString()
      c.header('x-streamed', s)
      return c.req.text()
    })
    const res = await a.request('/', { ...post('data'), headers: { accept: 'application/json' } })
    assert.equal(res.status, 500)
    assert.equal(res.headers.get('x-streamed'), 'data')
    const body = await res.json()
    assert.equal(body.code, 'ERR_BODY_CONSUMED')
    assert.match(body.message, /already consumed by c\.req\.stream\(\)/)
  })
})

/** JSON in UTF-16 and UTF-32, marked by a byte-order mark or a charset: 415 naming it, never a parse of garbage. */
function unicodeJson(): Array<[string, (c: Context) => Promise<unknown>, RequestInit, unknown]> {
  const utf16le = Buffer.from('\ufeff{"é":1}', 'utf16le')
  const utf16be = Buffer.from(utf16le).swap16()
  const utf32be = Buffer.from([0, 0, 0xfe, 0xff, 0, 0, 0, 0x31])
  const refused = (charset: string) => ({ threw: 'ERR_BODY_UNSUPPORTED_CHARSET', status: 415, charset })
  const caught = (err: { code?: string; status?: number; details?: { charset?: string } }) => ({
    threw: err.code,
    status: err.status,
    charset: err.details?.charset,
  })
  const read = (c: Context) => c.req.json().catch(caught)
  return [
    ['UTF-16LE JSON with a byte-order mark → 415', read, post(utf16le, { 'content-type': 'application/json' }), refused('utf-16le')],
    ['UTF-16BE JSON with a byte-order mark → 415', read, post(utf16be, { 'content-type': 'application/json' }), refused('utf-16be')],
    ['UTF-32BE JSON with a byte-order mark → 415', read, post(utf32be, { 'content-type': 'application/json' }), refused('utf-32be')],
    ['UTF-16 JSON without a Content-Type → 415', read, post(utf16le), refused('utf-16le')],
    ['charset=utf-16le on JSON → 415', read, post(utf16le, { 'content-type': 'application/json; charset=utf-16le' }), refused('utf-16le')],
    ['charset=utf-16 on JSON → 415', read, post(utf16le, { 'content-type': 'application/json; charset=utf-16' }), refused('utf-16')],
    ['charset=iso-8859-1 on JSON → 415', read, post('{"a":1}', { 'content-type': 'application/json; charset=iso-8859-1' }), refused('iso-8859-1')],
    ['parse() of UTF-16 JSON → 415', (c) => c.req.parse().catch(caught), post(utf16le, { 'content-type': 'application/json' }), refused('utf-16le')],
    ['text() of UTF-16LE by charset still decodes', (c) => c.req.text(), post(utf16le, { 'content-type': 'text/plain; charset=utf-16le' }), '{"é":1}'],
  ]
}

describe('body: empty bodies, GET, charsets and types', () => {
  const cases: Array<[string, (c: Context) => Promise<unknown>, RequestInit, unknown]> = [
    ['empty → bytes of length 0', async (c) => (await c.req.bytes()).length, { method: 'POST' }, 0],
    ['empty → text ""', (c) => c.req.text(), { method: 'POST' }, ''],
    ['empty → json() is 400', (c) => c.req.json(), { method: 'POST' }, { threw: 'ERR_BODY_INVALID_JSON', status: 400 }],
    ['empty → form() is {}', async (c) => ({ ...(await c.req.form()) }), { method: 'POST' }, {}],
    ['empty → parse() is undefined', (c) => c.req.parse(), post('', { 'content-type': 'application/json' }), undefined],
    ['no Content-Type → json() still parses', (c) => c.req.json(), post(new Uint8Array([0x5b, 0x31, 0x5d])), [1]],
    ['text/plain → json() still parses', (c) => c.req.json(), post('{"x":1}', { 'content-type': 'text/plain' }), { x: 1 }],
    ['latin1 charset → text decoded', (c) => c.req.text(), post(new Uint8Array([0x63, 0x61, 0x66, 0xe9]), { 'content-type': 'text/plain; charset=ISO-8859-1' }), 'café'],
    ['UTF-8 BOM dropped', (c) => c.req.json(), post(new Uint8Array([0xef, 0xbb, 0xbf, 0x31]), { 'content-type': 'application/json' }), 1],
    ['UTF-8 BOM dropped, charset=utf-8', (c) => c.req.json(), post(Buffer.from('\ufeff{"é":1}'), { 'content-type': 'application/json; charset=UTF-8' }), { é: 1 }],
    ...unicodeJson(),
    ['unknown charset → 415', (c) => c.req.text(), post('x', { 'content-type': 'text/plain; charset=klingon' }), { threw: 'ERR_BODY_UNSUPPORTED_CHARSET', status: 415 }],
    ['form() on multipart → 415', (c) => c.req.form(), post('x', { 'content-type': 'multipart/form-data; boundary=b' }), { threw: 'ERR_BODY_UNSUPPORTED_TYPE', status: 415 }],
    ['multipart() on JSON → 415', (c) => c.req.multipart(), post('{}', { 'content-type': 'application/json' }), { threw: 'ERR_BODY_UNSUPPORTED_TYPE', status: 415 }],
    ['parse() JSON by +json suffix', (c) => c.req.parse(), post('{"a":1}', { 'content-type': 'application/vnd.api+json' }), { a: 1 }],
    ['parse() text/*', (c) => c.req.parse(), post('a,b', { 'content-type': 'text/csv' }), 'a,b'],
    ['parse() other type → bytes', async (c) => [...((await c.req.parse()) as Uint8Array)], post(new Uint8Array([1, 2]), { 'content-type': 'application/octet-stream' }), [1, 2]],
  ]
  for (const [name, read, init, expected] of cases) {
    it(name, async () => assert.deepEqual(await attempt(app(), read, init), expected))
  }
})

describe('body: JSON safety', () => {
  const deep = (n: number) => '['.repeat(n) + ']'.repeat(n)
  const cases: Array<[string, string, unknown, Record<string, unknown>?]> = [
    ['100 000 levels of nesting → 400 ERR_BODY_JSON_TOO_DEEP, no stack overflow', deep(100_000), { threw: 'ERR_BODY_JSON_TOO_DEEP', status: 400 }],
    ['64 levels pass (the default limit)', deep(64), 'ok'],
    ['65 levels do not', deep(65), { threw: 'ERR_BODY_JSON_TOO_DEEP', status: 400 }],
    ['brackets inside strings do not count', JSON.stringify({ s: '[[[['.repeat(100) }), 'ok'],
    ['__proto__ key → 400 by default', '{"a":{"__proto__":{"admin":true}}}', { threw: 'ERR_BODY_PROTO_KEY', status: 400 }],
    ['escaped __proto__ key → 400', '{"\\u005f_proto__":{"admin":true}}', { threw: 'ERR_BODY_PROTO_KEY', status: 400 }],
    ['constructor.prototype → 400', '{"constructor":{"prototype":{"admin":true}}}', { threw: 'ERR_BODY_PROTO_KEY', status: 400 }],
    ['a "__proto__" string value is fine', '{"note":"__proto__"}', 'ok'],
    ['a constructor key without prototype is fine', '{"constructor":"x"}', 'ok'],
  ]
  for (const [name, text, expected] of cases) {
    it(name, async () => {
      const got = await attempt(
        app(),
        async (c) => {
          await c.req.json()
          return 'ok'
        },
        post(text),
      )
      assert.deepEqual(got, expected)
    })
  }

  it("protoAction 'remove' deletes the keys; 'ignore' keeps them as own data", async () => {
    const text = '{"a":1,"__proto__":{"admin":true},"b":{"constructor":{"prototype":{}}}}'
    const got = await attempt(
      app(),
      async (c) => {
        const removed = (await c.req.json({ protoAction: 'remove' })) as Record<string, unknown>
        const kept = (await c.req.json({ protoAction: 'ignore' })) as Record<string, unknown>
        return {
          removed: Object.keys(removed),
          b: Object.keys(removed.b as object),
          kept: Object.hasOwn(kept, '__proto__'),
          polluted: ({} as Record<string, unknown>).admin,
        }
      },
      post(text),
    )
    assert.deepEqual(got, { removed: ['a', 'b'], b: [], kept: true, polluted: undefined })
  })

  it('jsonDepth: Infinity turns the depth check off (V8 parses deep JSON without recursion)', async () => {
    const got = await attempt(app({ jsonDepth: Number.POSITIVE_INFINITY }), async (c) => Array.isArray(await c.req.json()), post(deep(10_000)))
    assert.equal(got, true)
  })
})

describe('body: limits and decoding in memory', () => {
  it('refuses a body over the app limit with 413 ERR_BODY_TOO_LARGE and the limit in details', async () => {
    const a = app({ body: 10 })
    a.post('/', (c) => c.req.text())
    const res = await a.request('/', post('x'.repeat(11)))
    assert.equal(res.status, 413)
    assert.deepEqual((await res.json()).details, { limit: 10 })
    assert.equal((await a.request('/', post('x'.repeat(10)))).status, 200)
  })

  it('a route raises or lowers the limit with configureBody before reading', async () => {
    const a = app({ body: 10 })
    a.post('/big', (c) => c.req.configureBody({ limits: { body: 100 } }).text())
    a.post('/small', (c) => c.req.configureBody({ limits: { body: 2 } }).text())
    assert.equal((await a.request('/big', post('x'.repeat(50)))).status, 200)
    assert.equal((await a.request('/small', post('xyz'))).status, 413)
  })

  it('a lower limit set after the body was read still refuses it', async () => {
    const got = await attempt(
      app(),
      async (c) => {
        await c.req.text()
        c.req.configureBody({ limits: { body: 3 } })
        return c.req.bytes()
      },
      post('four'),
    )
    assert.deepEqual(got, { threw: 'ERR_BODY_TOO_LARGE', status: 413 })
  })

  it('decodes gzip, deflate and br; counts the limit on decoded bytes', async () => {
    const zlib = await import('node:zlib')
    const a = app({ body: 1000 })
    a.post('/', (c) => c.req.text())
    const text = 'hello '.repeat(100)
    for (const [enc, data] of [
      ['gzip', zlib.gzipSync(text)],
      ['deflate', zlib.deflateSync(text)],
      ['br', zlib.brotliCompressSync(text)],
      ['gzip, br', zlib.brotliCompressSync(zlib.gzipSync(text))],
    ] as const) {
      const res = await a.request('/', post(data, { 'content-encoding': enc }))
      assert.equal(await res.text(), text, enc)
    }
    const big = await a.request('/', post(gzipSync('x'.repeat(1001)), { 'content-encoding': 'gzip' }))
    assert.equal(big.status, 413)
  })

  it('unknown coding → 415 with Accept-Encoding; corrupt stream → 400; a refused coding → 415', async () => {
    const a = app()
    a.post('/', (c) => c.req.text())
    a.post('/nobr', (c) => c.req.configureBody({ decoders: { br: false } }).text())
    const zstd = await a.request('/', post('x', { 'content-encoding': 'zstd' }))
    assert.equal(zstd.status, 415)
    assert.equal(zstd.headers.get('accept-encoding'), 'gzip, x-gzip, deflate, br, identity')
    const corrupt = await a.request('/', post('not gzip at all', { 'content-encoding': 'gzip' }))
    assert.equal(corrupt.status, 400)
    assert.equal((await corrupt.json()).code, 'ERR_BODY_DECODE_FAILED')
    const truncated = await a.request('/', post(gzipSync('hello world').subarray(0, 12), { 'content-encoding': 'gzip' }))
    assert.equal(truncated.status, 400)
    assert.equal((await a.request('/nobr', post('x', { 'content-encoding': 'br' }))).status, 415)
    assert.equal(await (await a.request('/', post('plain', { 'content-encoding': 'identity' }))).text(), 'plain')
  })

  it('rejects bad limits and options with TypeError when the app or route is built', () => {
    assert.throws(() => createApp({ limits: { body: -1 } }), TypeError)
    assert.throws(() => createApp({ limits: { bogus: 1 } as never }), /Unknown body limit "bogus"/)
    assert.throws(() => createApp({ limits: { jsonDepth: Number.NaN } }), TypeError)
  })
})
