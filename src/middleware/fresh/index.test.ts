import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type Context, createApp } from '../../index.js'
import { consoleLogger } from '../../utils/console-logger.js'
import { compress } from '../compress/index.js'
import { etag } from '../etag/index.js'
import { type FreshOptions, type Validators, checkPreconditions, evaluate, fresh, tags } from './index.js'

const quiet = () => createApp({ mode: 'test', logger: consoleLogger('silent') })
const T0 = 'Wed, 21 Oct 2015 07:28:00 GMT'
const EARLIER = 'Wed, 21 Oct 2015 07:27:59 GMT'
const LATER = 'Wed, 21 Oct 2015 07:28:01 GMT'

describe('fresh: evaluate (RFC 9110 §13.2.2)', () => {
  const cur: Validators = { etag: '"v1"', lastModified: T0 }
  const weakCur: Validators = { etag: 'W/"v1"', lastModified: T0 }
  const table: Array<[string, string, Record<string, string>, Validators | null, string]> = [
    ['no conditions', 'GET', {}, cur, 'proceed'],
    ['If-None-Match matches', 'GET', { 'if-none-match': '"v1"' }, cur, 'not-modified'],
    ['If-None-Match weak against strong (weak comparison)', 'GET', { 'if-none-match': 'W/"v1"' }, cur, 'not-modified'],
    ['If-None-Match strong against weak', 'HEAD', { 'if-none-match': '"v1"' }, weakCur, 'not-modified'],
    ['If-None-Match in a list', 'GET', { 'if-none-match': '"a", "b,c" , W/"v1"' }, cur, 'not-modified'],
    ['If-None-Match differs', 'GET', { 'if-none-match': '"v2"' }, cur, 'proceed'],
    ['If-None-Match unquoted is no tag', 'GET', { 'if-none-match': 'v1' }, cur, 'proceed'],
    ['If-None-Match * with a representation', 'GET', { 'if-none-match': '*' }, cur, 'not-modified'],
    ['If-None-Match without ETag', 'GET', { 'if-none-match': '"v1"' }, { lastModified: T0 }, 'proceed'],
    ['If-Modified-Since equal', 'GET', { 'if-modified-since': T0 }, cur, 'not-modified'],
    ['If-Modified-Since later', 'GET', { 'if-modified-since': LATER }, cur, 'not-modified'],
    ['If-Modified-Since earlier', 'GET', { 'if-modified-since': EARLIER }, cur, 'proceed'],
    ['If-Modified-Since invalid date', 'GET', { 'if-modified-since': 'yesterday' }, cur, 'proceed'],
    ['If-Modified-Since without Last-Modified', 'GET', { 'if-modified-since': T0 }, { etag: '"v1"' }, 'proceed'],
    ['If-Modified-Since ignored with If-None-Match', 'GET', { 'if-none-match': '"v2"', 'if-modified-since': LATER }, cur, 'proceed'],
    ['If-Modified-Since ignored for POST', 'POST', { 'if-modified-since': LATER }, cur, 'proceed'],
    ['If-Modified-Since from a Date, second resolution', 'GET', { 'if-modified-since': T0 }, { lastModified: new Date(Date.parse(T0) + 900) }, 'not-modified'],
    ['If-Match strong match', 'PUT', { 'if-match': '"v1"' }, cur, 'proceed'],
    ['If-Match in a list', 'PUT', { 'if-match': '"x", "v1"' }, cur, 'proceed'],
    ['If-Match differs', 'PUT', { 'if-match': '"v2"' }, cur, 'failed'],
    ['If-Match weak never matches', 'PUT', { 'if-match': 'W/"v1"' }, cur, 'failed'],
    ['If-Match against a weak ETag', 'PUT', { 'if-match': '"v1"' }, weakCur, 'failed'],
    ['If-Match * with a representation', 'DELETE', { 'if-match': '*' }, cur, 'proceed'],
    ['If-Match * without one', 'PUT', { 'if-match': '*' }, null, 'failed'],
    ['If-Match on GET fails too', 'GET', { 'if-match': '"v2"' }, cur, 'failed'],
    ['If-Unmodified-Since passes', 'PUT', { 'if-unmodified-since': T0 }, cur, 'proceed'],
    ['If-Unmodified-Since fails', 'PUT', { 'if-unmodified-since': EARLIER }, cur, 'failed'],
    ['If-Unmodified-Since ignored with If-Match', 'PUT', { 'if-match': '"v1"', 'if-unmodified-since': EARLIER }, cur, 'proceed'],
    ['If-Unmodified-Since invalid date ignored', 'PUT', { 'if-unmodified-since': 'soon' }, cur, 'proceed'],
    ['If-None-Match * on PUT to an existing resource', 'PUT', { 'if-none-match': '*' }, cur, 'failed'],
    ['If-None-Match * on PUT to create', 'PUT', { 'if-none-match': '*' }, null, 'proceed'],
    ['If-None-Match matching on DELETE', 'DELETE', { 'if-none-match': '"v1"' }, cur, 'failed'],
    ['If-Match before If-None-Match', 'GET', { 'if-match': '"v1"', 'if-none-match': '"v1"' }, cur, 'not-modified'],
  ]
  for (const [name, method, headers, current, want] of table) {
    it(`${method} ${name} → ${want}`, () => assert.equal(evaluate(method, headers, current), want))
  }

  it('finds tags in lists whose tags contain commas', () => {
    assert.deepEqual(tags('"a,b", W/"c" ,"d"'), ['"a,b"', 'W/"c"', '"d"'])
  })
})

function serve(handler: (c: Context) => unknown, options?: FreshOptions) {
  const app = quiet()
  app.use(fresh(options))
  app.all('/t', handler)
  return (headers: Record<string, string>, method = 'GET') => app.request('/t', { method, headers })
}

describe('fresh: middleware', () => {
  it('answers 304 without body or body headers, keeping ETag, Cache-Control, Vary and cookies', async () => {
    const get = serve((c) => {
      c.header('etag', '"v1"').header('cache-control', 'max-age=60').header('vary', 'Accept').header('last-modified', T0)
      c.header('content-language', 'en').cookie('seen', '1')
      return c.json({ big: 'x'.repeat(100) })
    })
    const res = await get({ 'if-none-match': '"v1"' })
    assert.equal(res.status, 304)
    assert.equal(await res.text(), '')
    assert.deepEqual(
      ['etag', 'cache-control', 'vary', 'content-type', 'content-length', 'content-language', 'last-modified'].map((h) => res.headers.get(h)),
      ['"v1"', 'max-age=60', 'Accept', null, null, null, null],
    )
    assert.equal(res.headers.getSetCookie().length, 1)
  })

  it('a 304 keeps the fields RFC 9110 §15.4.5 lists and drops the other representation metadata', async () => {
    const get = serve((c) => {
      c.header('etag', '"v1"').header('cache-control', 'max-age=60').header('expires', T0).header('content-location', '/t.json')
      c.header('vary', 'Accept, Accept-Language').header('content-language', 'en').header('accept-ranges', 'bytes').header('x-own', 'kept')
      return c.json({ big: 'x'.repeat(100) })
    })
    const res = await get({ 'if-none-match': '"v1"' })
    assert.equal(res.status, 304)
    const kept = ['etag', 'cache-control', 'expires', 'content-location', 'vary', 'x-own']
    assert.deepEqual(kept.map((h) => res.headers.get(h)), ['"v1"', 'max-age=60', T0, '/t.json', 'Accept, Accept-Language', 'kept'])
    const dropped = ['content-type', 'content-length', 'content-language', 'accept-ranges', 'last-modified']
    assert.deepEqual(dropped.map((h) => res.headers.get(h)), dropped.map(() => null))
  })

  it('answers 200 when the tag differs, and leaves requests without conditions alone', async () => {
    const get = serve((c) => c.header('etag', '"v1"').text('body'))
    const a = await get({ 'if-none-match': '"v0"' })
    assert.deepEqual([a.status, await a.text()], [200, 'body'])
    const b = await get({})
    assert.deepEqual([b.status, await b.text()], [200, 'body'])
  })

  it('answers 304 from Last-Modified and keeps it when there is no ETag', async () => {
    const res = await serve((c) => c.header('last-modified', T0).text('body'))({ 'if-modified-since': T0 })
    assert.deepEqual([res.status, res.headers.get('last-modified')], [304, T0])
  })

  it('answers 412 ERR_PRECONDITION_FAILED for a failed If-Match on GET', async () => {
    const res = await serve((c) => c.header('etag', '"v1"').text('body'))({ 'if-match': '"v2"', accept: 'application/json' })
    assert.equal(res.status, 412)
    assert.equal(((await res.json()) as { code: string }).code, 'ERR_PRECONDITION_FAILED')
  })

  it('evaluates only 2xx responses (RFC 9110 §13.2.1) and answers 304 only for 200', async () => {
    const notFound = await serve((c) => c.header('etag', '"v1"').text('gone', 404))({ 'if-none-match': '"v1"' })
    assert.equal(notFound.status, 404)
    const created = await serve((c) => c.header('etag', '"v1"').text('made', 201))({ 'if-none-match': '"v1"' })
    assert.equal(created.status, 201)
  })

  it('stops a stream body it answers 304 for', async () => {
    async function* gen() {
      yield 'never read'
    }
    const g = gen()
    const res = await serve((c) => c.header('etag', '"s"').header('content-type', 'text/plain').body(g))({ 'if-none-match': '"s"' })
    assert.equal(res.status, 304)
    assert.deepEqual(await g.next(), { done: true, value: undefined })
  })

  it('checks unsafe methods against current() before the handler runs', async () => {
    let writes = 0
    const app = quiet()
    const docs = new Map([['/t', { etag: '"v1"' }]])
    app.use(fresh({ current: (c) => docs.get(c.req.path) ?? null }))
    app.put('/t', (c) => {
      writes++
      return c.text('saved')
    })
    app.put('/new', () => {
      writes++
      return 'created'
    })
    const put = (path: string, headers: Record<string, string>) => app.request(path, { method: 'PUT', headers, body: 'x' })
    assert.equal((await put('/t', { 'if-match': '"v0"' })).status, 412)
    assert.equal((await put('/t', { 'if-none-match': '*' })).status, 412)
    assert.equal(writes, 0)
    assert.equal((await put('/t', { 'if-match': '"v1"' })).status, 200)
    assert.equal((await put('/new', { 'if-none-match': '*' })).status, 200)
    assert.equal((await put('/new', { 'if-match': '*' })).status, 412)
    assert.equal(writes, 2)
  })

  it('lets handlers check preconditions themselves (checkPreconditions)', async () => {
    const app = quiet()
    app.delete('/doc', (c) => {
      checkPreconditions(c, { etag: '"v3"' })
      return 'deleted'
    })
    assert.equal((await app.request('/doc', { method: 'DELETE', headers: { 'if-match': '"v2"' } })).status, 412)
    assert.equal((await app.request('/doc', { method: 'DELETE', headers: { 'if-match': '"v3"' } })).status, 200)
  })

  it('refuses a current option that is not a function', () => {
    assert.throws(() => fresh({ current: 'x' as unknown as FreshOptions['current'] }), TypeError)
  })
})

describe('fresh + etag + compress, in the documented order', () => {
  const BIG = JSON.stringify({ list: Array.from({ length: 200 }, (_, i) => `item ${i}`) })
  const app = quiet()
  app.use(compress(), fresh(), etag())
  app.get('/doc', () => JSON.parse(BIG))

  it('revalidates a compressed response by its weak ETag: 304 keeps Vary and the weak tag', async () => {
    const first = await app.request('/doc', { headers: { 'accept-encoding': 'gzip' } })
    const tag = first.headers.get('etag')!
    assert.match(tag, /^W\/"[0-9a-z]+-[0-9a-z]+"$/)
    assert.equal(first.headers.get('content-encoding'), 'gzip')
    const again = await app.request('/doc', { headers: { 'accept-encoding': 'gzip', 'if-none-match': tag } })
    assert.equal(again.status, 304)
    assert.deepEqual([again.headers.get('etag'), again.headers.get('vary'), again.headers.get('content-encoding')], [tag, 'Accept-Encoding', null])
    const plain = await app.request('/doc', { headers: { 'if-none-match': tag.slice(2) } })
    assert.deepEqual([plain.status, plain.headers.get('etag')], [304, tag.slice(2)])
  })

  // The 200 to a client accepting no coding carries Vary: Accept-Encoding (another Accept-Encoding would get
  // gzip), so its 304 must too (RFC 9110 §15.4.5). compress() decides that Vary, outside fresh().
  it('a 304 to a client that accepts no coding keeps the Vary its 200 has', async () => {
    const first = await app.request('/doc')
    assert.equal(first.headers.get('vary'), 'Accept-Encoding')
    const again = await app.request('/doc', { headers: { 'if-none-match': first.headers.get('etag')! } })
    assert.deepEqual([again.status, again.headers.get('vary')], [304, 'Accept-Encoding'])
  })
})
