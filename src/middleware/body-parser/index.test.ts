import assert from 'node:assert/strict'
import { Transform } from 'node:stream'
import { describe, it } from 'node:test'
import { gzipSync } from 'node:zlib'
import { type App, createApp } from '../../index.js'
import { consoleLogger } from '../../utils/console-logger.js'
import { bodyLimit, bodyParser } from './index.js'

function app(): App {
  return createApp({ mode: 'test', logger: consoleLogger('silent') })
}

/** A POST with a Content-Length (in-memory requests have none unless given). */
function post(body: string | Uint8Array, headers: Record<string, string> = {}): RequestInit {
  const length = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength
  return { method: 'POST', body: body as BodyInit, headers: { 'content-length': String(length), accept: 'application/json', ...headers } }
}

describe('bodyParser', () => {
  it('parses JSON before the handler: a bad body is a 400 and the handler never runs', async () => {
    const a = app()
    let ran = 0
    a.post('/', bodyParser(), async (c) => {
      ran++
      return { parsed: await c.req.parse(), same: (await c.req.parse()) === (await c.req.json()) }
    })
    const ok = await a.request('/', post('{"a":1}', { 'content-type': 'application/json' }))
    assert.deepEqual(await ok.json(), { parsed: { a: 1 }, same: true })
    const bad = await a.request('/', post('{"a":', { 'content-type': 'application/json' }))
    assert.equal(bad.status, 400)
    assert.equal((await bad.json()).code, 'ERR_BODY_INVALID_JSON')
    assert.equal(ran, 1)
  })

  it('parses urlencoded, multipart and text by type', async () => {
    const a = app()
    a.post('/', bodyParser(), async (c) => {
      const v = await c.req.parse()
      if (typeof v === 'string') return { text: v }
      if (v && typeof v === 'object' && 'fields' in v) return { fields: { ...(v as { fields: object }).fields } }
      return { form: { ...(v as object) } }
    })
    const form = await a.request('/', post('a=1&b[c]=2', { 'content-type': 'application/x-www-form-urlencoded' }))
    assert.deepEqual(await form.json(), { form: { a: '1', b: { c: '2' } } })
    const text = await a.request('/', post('plain words', { 'content-type': 'text/plain' }))
    assert.deepEqual(await text.json(), { text: 'plain words' })
    const fd = new FormData()
    fd.append('x', 'y')
    const multi = await a.request('/', { method: 'POST', body: fd, headers: { 'transfer-encoding': 'chunked' } })
    assert.deepEqual(await multi.json(), { fields: { x: 'y' } })
  })

  it('takes custom parsers per type (text/csv here); false leaves a type as bytes', async () => {
    const a = app()
    const csv = bodyParser({
      parsers: {
        'text/csv': async (req) => (await req.text()).trim().split('\n').map((line) => line.split(',')),
        'application/json': false,
      },
    })
    a.post('/', csv, async (c) => {
      const v = await c.req.parse()
      return v instanceof Uint8Array ? { bytes: v.length } : { rows: v }
    })
    const rows = await a.request('/', post('id,name\n1,Ada\n', { 'content-type': 'text/csv; charset=utf-8' }))
    assert.deepEqual(await rows.json(), { rows: [['id', 'name'], ['1', 'Ada']] })
    const json = await a.request('/', post('{"a":1}', { 'content-type': 'application/json' }))
    assert.deepEqual(await json.json(), { bytes: 7 })
  })

  it('types: refuses other media types with 415 and Accept-Post', async () => {
    const a = app()
    a.post('/', bodyParser({ types: ['+json'] }), async (c) => ({ ok: await c.req.parse() }))
    const wrong = await a.request('/', post('x', { 'content-type': 'text/plain' }))
    assert.equal(wrong.status, 415)
    assert.equal((await wrong.json()).code, 'ERR_BODY_UNSUPPORTED_TYPE')
    assert.equal(wrong.headers.get('accept-post'), '+json')
    const untyped = await a.request('/', post(new Uint8Array([1])))
    assert.equal(untyped.status, 415)
    const problem = await a.request('/', post('{"ok":true}', { 'content-type': 'application/problem+json' }))
    assert.deepEqual(await problem.json(), { ok: { ok: true } })
  })

  it('sets the limit per route', async () => {
    const a = app()
    a.post('/small', bodyParser({ limit: 10 }), async (c) => c.req.parse())
    a.post('/default', bodyParser(), async (c) => c.req.parse())
    const body = post(JSON.stringify({ text: 'more than ten bytes' }), { 'content-type': 'application/json' })
    const small = await a.request('/small', body)
    assert.equal(small.status, 413)
    assert.deepEqual((await small.json()).details, { limit: 10 })
    assert.equal((await a.request('/default', body)).status, 200)
  })

  it('sets decoders per route: refuse one, add one', async () => {
    const a = app()
    const rot13 = () =>
      new Transform({
        transform(chunk: Buffer, _e, cb) {
          cb(null, Buffer.from(chunk.toString().replace(/[a-z]/g, (ch) => String.fromCharCode(((ch.charCodeAt(0) - 97 + 13) % 26) + 97))))
        },
      })
    a.post('/plain-only', bodyParser({ decoders: { gzip: false } }), (c) => c.req.parse())
    a.post('/rot', bodyParser({ decoders: { 'x-rot13': rot13 } }), (c) => c.req.parse())
    const gz = await a.request('/plain-only', post(gzipSync('hi'), { 'content-type': 'text/plain', 'content-encoding': 'gzip' }))
    assert.equal(gz.status, 415)
    assert.equal(gz.headers.get('accept-encoding'), 'x-gzip, deflate, br, identity')
    const rot = await a.request('/rot', post('uryyb', { 'content-type': 'text/plain', 'content-encoding': 'x-rot13' }))
    assert.equal(await rot.text(), 'hello')
  })

  it('protoAction per route', async () => {
    const a = app()
    a.post('/strict', bodyParser(), (c) => c.req.parse())
    a.post('/lenient', bodyParser({ protoAction: 'remove' }), (c) => c.req.parse())
    const body = post('{"__proto__":{"admin":true},"name":"x"}', { 'content-type': 'application/json' })
    assert.equal((await a.request('/strict', body)).status, 400)
    assert.deepEqual(await (await a.request('/lenient', body)).json(), { name: 'x' })
  })

  it('does not read a request that declares no body, and honours skip', async () => {
    const a = app()
    let read: boolean | undefined
    a.get('/', bodyParser(), (c) => {
      read = c.req.raw.readableDidRead
      return 'ok'
    })
    a.post('/skip', bodyParser({ skip: (c) => c.req.header('x-raw') === '1' }), async (c) => (c.req.raw.readableDidRead ? 'read' : 'unread'))
    assert.equal(await (await a.request('/')).text(), 'ok')
    assert.equal(read, false)
    assert.equal(await (await a.request('/skip', post('{', { 'content-type': 'application/json', 'x-raw': '1' }))).text(), 'unread')
    assert.equal((await a.request('/skip', post('{', { 'content-type': 'application/json' }))).status, 400)
  })

  it('refuses bad options with TypeError when built', () => {
    assert.throws(() => bodyParser({ limit: -1 }), TypeError)
    assert.throws(() => bodyParser({ types: ['json'] }), TypeError)
    assert.throws(() => bodyParser({ parsers: { 'text/csv': 'csv' as never } }), TypeError)
    assert.throws(() => bodyParser({ protoAction: 'drop' as never }), TypeError)
    assert.throws(() => bodyParser({ skip: true as never }), TypeError)
    assert.throws(() => bodyLimit(Number.NaN), TypeError)
  })
})

describe('bodyLimit', () => {
  it('sets the body limit of its routes for every reader', async () => {
    const a = createApp({ mode: 'test', logger: consoleLogger('silent'), limits: { body: 5 } })
    a.post('/upload', bodyLimit(100), async (c) => (await c.req.text()).length)
    a.post('/other', async (c) => (await c.req.text()).length)
    assert.equal(await (await a.request('/upload', post('x'.repeat(50)))).text(), '50')
    assert.equal((await a.request('/other', post('x'.repeat(50)))).status, 413)
  })
})
