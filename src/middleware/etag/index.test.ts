import assert from 'node:assert/strict'
import { Readable } from 'node:stream'
import { describe, it } from 'node:test'
import { type Context, createApp } from '../../index.js'
import { consoleLogger } from '../../utils/console-logger.js'
import { type ETagOptions, etag, quickHash, sha1 } from './index.js'

const quiet = () => createApp({ mode: 'test', logger: consoleLogger('silent') })

function serve(handler: (c: Context) => unknown, options?: ETagOptions) {
  const app = quiet()
  app.use(etag(options))
  app.all('/t', handler)
  return (method = 'GET') => app.request('/t', { method })
}

describe('etag', () => {
  it('tags a buffered 200 with the length and CRC-32 of its body, the same for the same bytes', async () => {
    const get = serve(() => ({ hello: 'world' }))
    const a = await get()
    const b = await get()
    assert.equal(a.headers.get('etag'), `"${quickHash('{"hello":"world"}')}"`)
    assert.match(a.headers.get('etag')!, /^"h-[0-9a-z]+"$/, '17 bytes: h in base 36')
    assert.equal(a.headers.get('etag'), b.headers.get('etag'))
    assert.notEqual(a.headers.get('etag'), (await serve(() => ({ hello: 'there' }))()).headers.get('etag'))
  })

  it('tags strings and bytes alike, and HEAD like GET', async () => {
    const text = serve(() => 'héllo')
    const bytes = serve(() => Buffer.from('héllo'))
    const tag = (await text()).headers.get('etag')
    assert.equal((await bytes()).headers.get('etag'), tag)
    assert.equal((await text('HEAD')).headers.get('etag'), tag)
  })

  it('sends weak validators with weak: true', async () => {
    assert.equal((await serve(() => 'x', { weak: true })()).headers.get('etag'), `W/"${quickHash('x')}"`)
  })

  it('takes SHA-1 instead (sha1 from weir/etag): 27 base64url characters', async () => {
    const tag = (await serve(() => 'abc', { hash: sha1 })()).headers.get('etag')
    assert.equal(tag, `"${sha1('abc')}"`)
    assert.match(tag!, /^"[\w-]{27}"$/)
  })

  it('tags after an async handler too, and leaves a layer that returns a value (not a promise) working', async () => {
    const slow = serve(async () => {
      await new Promise((r) => setTimeout(r, 5))
      return 'late'
    })
    assert.equal((await slow()).headers.get('etag'), `"${quickHash('late')}"`)
    const app = createApp({ mode: 'test', logger: consoleLogger('silent') })
    app.use(etag())
    app.use((c) => c.text('from a middleware')) // returns the context, calls no next()
    app.get('/t', () => 'never')
    const res = await app.request('/t')
    assert.deepEqual([await res.text(), res.headers.get('etag')], ['from a middleware', `"${quickHash('from a middleware')}"`])
  })

  it('keeps an ETag the handler set', async () => {
    assert.equal((await serve((c) => c.header('etag', '"mine"').text('x'))()).headers.get('etag'), '"mine"')
  })

  it('tags nothing but 2xx (not 206) answers to GET and HEAD with a body', async () => {
    const cases: Array<[string, (c: Context) => unknown]> = [
      ['POST', () => 'x'],
      ['GET', (c) => c.text('missing', 404)],
      ['GET', (c) => c.text('part', 206)],
      ['GET', (c) => c.status(204)],
      ['GET', (c) => c.status(301).body(null)],
    ]
    for (const [method, handler] of cases) assert.equal((await serve(handler)(method)).headers.get('etag'), null)
  })

  it('leaves streams untagged by default, and tags them with stream: true', async () => {
    const parts = ['a', 'b', 'c']
    const plain = await serve((c) => c.body(Readable.from(parts)))()
    assert.deepEqual([plain.headers.get('etag'), await plain.text()], [null, 'abc'])
    const tagged = await serve((c) => c.body(Readable.from(parts)), { stream: true })()
    assert.deepEqual([tagged.headers.get('etag'), tagged.headers.get('content-length'), await tagged.text()], [`"${quickHash('abc')}"`, '3', 'abc'])
  })

  it('sends a stream longer than maxStreamSize whole and untagged', async () => {
    const parts = Array.from({ length: 20 }, (_, i) => `chunk-${i};`)
    const res = await serve((c) => c.body(Readable.from(parts)), { stream: true, maxStreamSize: 30 })()
    assert.deepEqual([res.headers.get('etag'), await res.text()], [null, parts.join('')])
  })

  it('takes a custom hash, and refuses one that returns a quote', async () => {
    assert.equal((await serve(() => 'abc', { hash: (b) => `len${b.length}` })()).headers.get('etag'), '"len3"')
    assert.equal((await serve(() => 'abc', { hash: () => 'a"b' })()).status, 500)
  })

  it('refuses bad options when built, and honours skip', async () => {
    assert.throws(() => etag({ hash: 'sha1' as unknown as ETagOptions['hash'] }), TypeError)
    assert.throws(() => etag({ maxStreamSize: -1 }), TypeError)
    assert.equal((await serve(() => 'x', { skip: () => true })()).headers.get('etag'), null)
  })
})
