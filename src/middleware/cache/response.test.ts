import assert from 'node:assert/strict'
import { Readable } from 'node:stream'
import { describe, it } from 'node:test'
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import { type Context, createApp } from '../../index.js'
import { memoryStore } from '../../store/memory/index.js'
import type { Store } from '../../store/types.js'
import { consoleLogger } from '../../utils/console-logger.js'
import { compress } from '../compress/index.js'
import { etag } from '../etag/index.js'
import { fresh } from '../fresh/index.js'
import { type CacheResponseOptions, cacheResponse, createCache } from './index.js'

const quiet = () => createApp({ mode: 'test', logger: consoleLogger('silent') })

function clock(start = 1_700_000_000_000) {
  let t = start
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms
    },
  }
}

/** An app with the cache in front of one route at /t; `runs()` counts the handler's runs. */
function setup(handler: (c: Context) => unknown, options: CacheResponseOptions = {}) {
  const app = quiet()
  let runs = 0
  app.use(cacheResponse(options))
  app.get('/t', (c) => {
    runs++
    return handler(c)
  })
  const get = (headers: Record<string, string> = {}, method = 'GET') => app.request('/t', { method, headers })
  return { app, get, runs: () => runs }
}

describe('cacheResponse: hits and misses', () => {
  it('answers the second request from the cache with X-Cache: hit and Age, without the handler', async () => {
    const t = setup((c) => c.json({ n: 1 }))
    const first = await t.get()
    assert.equal(first.headers.get('x-cache'), 'miss')
    assert.equal(first.headers.get('age'), null)
    const second = await t.get()
    assert.equal(second.headers.get('x-cache'), 'hit')
    assert.equal(second.headers.get('age'), '0')
    assert.equal(second.headers.get('content-type'), first.headers.get('content-type'))
    assert.deepEqual(await second.json(), { n: 1 })
    assert.equal(t.runs(), 1)
  })

  it('keeps a string body text (its default type) and the status', async () => {
    const t = setup((c) => {
      c.status(203)
      c.header('cache-control', 'max-age=60')
      return 'plain'
    })
    await t.get()
    const hit = await t.get()
    assert.equal(hit.status, 203)
    assert.equal(hit.headers.get('content-type'), 'text/plain; charset=utf-8')
    assert.equal(await hit.text(), 'plain')
  })

  it('counts Age in seconds since stored, and expires the entry after ttl', async () => {
    const c = clock()
    const t = setup(() => 'x', { cache: createCache({ now: c.now }), ttl: 10_000 })
    await t.get()
    c.advance(4_500)
    assert.equal((await t.get()).headers.get('age'), '4')
    c.advance(5_500)
    assert.equal((await t.get()).headers.get('x-cache'), 'miss')
    assert.equal(t.runs(), 2)
  })

  it('serves HEAD from the GET entry; a HEAD miss stores nothing', async () => {
    const t = setup(() => 'the body')
    const head = await t.get({}, 'HEAD')
    assert.equal(head.headers.get('x-cache'), 'miss')
    assert.equal((await t.get()).headers.get('x-cache'), 'miss')
    const hit = await t.get({}, 'HEAD')
    assert.equal(hit.headers.get('x-cache'), 'hit')
    assert.equal(hit.headers.get('content-length'), '8')
    assert.equal(await hit.text(), '')
    assert.equal(t.runs(), 2)
  })

  it('keys by host, path and query', async () => {
    const app = quiet()
    app.use(cacheResponse())
    app.get('/q', (c) => `${c.req.host} ${c.req.query.a}`)
    const at = (url: string) => app.request(url).then(async (r) => [r.headers.get('x-cache'), await r.text()])
    assert.deepEqual(await at('http://a.test/q?a=1'), ['miss', 'a.test 1'])
    assert.deepEqual(await at('http://a.test/q?a=2'), ['miss', 'a.test 2'])
    assert.deepEqual(await at('http://b.test/q?a=1'), ['miss', 'b.test 1'])
    assert.deepEqual(await at('http://a.test/q?a=1'), ['hit', 'a.test 1'])
  })

  it('replays the headers the handler set, not those outer layers set for each request', async () => {
    const app = quiet()
    let n = 0
    app.use(async (c, next) => {
      c.header('x-request-id', `r${++n}`)
      await next()
    })
    app.use(cacheResponse())
    app.get('/t', (c) => {
      c.header('x-made-by', 'handler')
      return 'x'
    })
    await app.request('/t')
    const hit = await app.request('/t')
    assert.equal(hit.headers.get('x-request-id'), 'r2')
    assert.equal(hit.headers.get('x-made-by'), 'handler')
  })

  it('does not store stream bodies: they pass through as misses', async () => {
    const t = setup(() => Readable.from(['a', 'b']))
    assert.equal(await (await t.get()).text(), 'ab')
    const again = await t.get()
    assert.equal(again.headers.get('x-cache'), 'miss')
    assert.equal(await again.text(), 'ab')
    assert.equal(t.runs(), 2)
  })

  it('leaves skipped requests alone', async () => {
    const t = setup(() => 'x', { skip: (c) => c.req.header('x-no-cache') === '1' })
    await t.get({ 'x-no-cache': '1' })
    const r = await t.get({ 'x-no-cache': '1' })
    assert.equal(r.headers.get('x-cache'), null)
    assert.equal(t.runs(), 2)
  })
})

describe('cacheResponse: what is never replayed to another user (RFC 9111 §3, §3.5)', () => {
  it('never stores a response with Set-Cookie: two users each get their own cookie', async () => {
    const t = setup((c) => {
      c.cookie('session', c.req.header('x-user')!)
      return `hello ${c.req.header('x-user')}`
    })
    const ada = await t.get({ 'x-user': 'ada' })
    const bob = await t.get({ 'x-user': 'bob' })
    assert.match(ada.headers.get('set-cookie')!, /session=ada/)
    assert.match(bob.headers.get('set-cookie')!, /session=bob/)
    assert.equal(await bob.text(), 'hello bob')
    assert.equal(bob.headers.get('x-cache'), 'miss')
    assert.equal(t.runs(), 2)
  })

  it('does not store the answer to a request with Authorization, unless the response says public', async () => {
    let visibility = 'max-age=60'
    const t = setup((c) => {
      c.header('cache-control', visibility)
      return `for ${c.req.header('authorization')}`
    })
    await t.get({ authorization: 'Bearer ada' })
    const bob = await t.get({ authorization: 'Bearer bob' })
    assert.equal(await bob.text(), 'for Bearer bob')
    const anon = await t.get()
    assert.equal(anon.headers.get('x-cache'), 'miss')
    visibility = 'public, max-age=60'
    await t.get({ authorization: 'Bearer carol', 'cache-control': 'no-cache' })
    const shared = await t.get({ authorization: 'Bearer dan' })
    assert.equal(shared.headers.get('x-cache'), 'hit')
    assert.equal(await shared.text(), 'for Bearer carol')
  })

  it('does not store the answer to a request with a Cookie, unless the response has s-maxage', async () => {
    let cc = 'max-age=60'
    const t = setup((c) => {
      c.header('cache-control', cc)
      return `cookie ${c.req.header('cookie')}`
    })
    await t.get({ cookie: 'u=ada' })
    assert.equal(await (await t.get({ cookie: 'u=bob' })).text(), 'cookie u=bob')
    cc = 's-maxage=60'
    await t.get({ cookie: 'u=carol', 'cache-control': 'no-cache' })
    assert.equal((await t.get({ cookie: 'u=dan' })).headers.get('x-cache'), 'hit')
  })

  it('never stores Cache-Control: private in a shared cache', async () => {
    const t = setup((c) => {
      c.header('cache-control', 'private, max-age=60')
      return 'mine'
    })
    await t.get()
    assert.equal((await t.get()).headers.get('x-cache'), 'miss')
  })

  it('private: true keeps one entry per user — private answers and credentials included', async () => {
    const t = setup(
      (c) => {
        c.header('cache-control', 'private, max-age=60')
        return `cart of ${c.req.header('cookie')}`
      },
      { private: true },
    )
    await t.get({ cookie: 'u=ada' })
    const adaAgain = await t.get({ cookie: 'u=ada' })
    assert.equal(adaAgain.headers.get('x-cache'), 'hit')
    const bob = await t.get({ cookie: 'u=bob' })
    assert.equal(bob.headers.get('x-cache'), 'miss')
    assert.equal(await bob.text(), 'cart of u=bob')
  })

  it('private: true still never stores Set-Cookie', async () => {
    const t = setup(
      (c) => {
        c.cookie('s', '1')
        return 'x'
      },
      { private: true },
    )
    await t.get()
    assert.equal((await t.get()).headers.get('x-cache'), 'miss')
  })
})

describe('cacheResponse: Vary variants (RFC 9111 §4.1)', () => {
  it('stores one variant per value of the headers Vary names', async () => {
    const t = setup((c) => {
      c.header('vary', 'Accept-Language')
      return c.req.header('accept-language') === 'fr' ? 'bonjour' : 'hello'
    })
    const read = async (lang: string) => {
      const r = await t.get({ 'accept-language': lang })
      return `${r.headers.get('x-cache')} ${await r.text()}`
    }
    assert.equal(await read('en'), 'miss hello')
    assert.equal(await read('fr'), 'miss bonjour')
    assert.equal(await read('en'), 'hit hello')
    assert.equal(await read('fr'), 'hit bonjour')
    const none = await t.get()
    assert.equal(none.headers.get('x-cache'), 'miss', 'an absent header is a variant of its own')
    assert.equal(t.runs(), 3)
  })

  it('normalises Accept-Encoding: the same codings in another order or case select the same variant', async () => {
    const t = setup((c) => {
      c.header('vary', 'accept-encoding')
      return 'x'
    })
    await t.get({ 'accept-encoding': 'gzip, br' })
    assert.equal((await t.get({ 'accept-encoding': 'BR,gzip' })).headers.get('x-cache'), 'hit')
    assert.equal((await t.get({ 'accept-encoding': 'gzip' })).headers.get('x-cache'), 'miss')
  })

  it('never stores Vary: *', async () => {
    const t = setup((c) => {
      c.header('vary', '*')
      return 'x'
    })
    await t.get()
    assert.equal((await t.get()).headers.get('x-cache'), 'miss')
  })
})

describe('cacheResponse: freshness from Cache-Control (RFC 9111 §4.2, §5.2.2)', () => {
  const timed = (cc: string, options: CacheResponseOptions = {}) => {
    const c = clock()
    const t = setup(
      (ctx) => {
        ctx.header('cache-control', cc)
        return 'x'
      },
      { cache: createCache({ now: c.now }), ...options },
    )
    const after = async (ms: number) => {
      c.advance(ms)
      return (await t.get()).headers.get('x-cache')
    }
    return { t, after }
  }

  it('s-maxage wins over max-age in a shared cache', async () => {
    const { t, after } = timed('max-age=10, s-maxage=2')
    await t.get()
    assert.equal(await after(1_500), 'hit')
    assert.equal(await after(1_000), 'miss')
  })

  it('a private cache ignores s-maxage and keeps max-age', async () => {
    const { t, after } = timed('max-age=10, s-maxage=2', { private: true })
    await t.get()
    assert.equal(await after(2_500), 'hit')
    assert.equal(await after(8_000), 'miss')
  })

  it('max-age overrides the default ttl, longer or shorter', async () => {
    const { t, after } = timed('max-age=120', { ttl: 1_000 })
    await t.get()
    assert.equal(await after(60_000), 'hit')
    assert.equal(await after(60_000), 'miss')
  })

  it('never stores no-store, nor max-age=0', async () => {
    for (const cc of ['no-store', 'max-age=0']) {
      const { t } = timed(cc)
      await t.get()
      assert.equal((await t.get()).headers.get('x-cache'), 'miss', cc)
    }
  })

  it('never serves a no-cache response without the handler', async () => {
    const { t } = timed('no-cache, max-age=60')
    await t.get()
    assert.equal((await t.get()).headers.get('x-cache'), 'miss')
    assert.equal(t.runs(), 2)
  })

  it('stores other statuses only with explicit freshness: 404 with max-age yes, without no, 500 never', async () => {
    const app = quiet()
    let runs = 0
    app.use(cacheResponse())
    app.get('/s/:status/:cc?', (c) => {
      runs++
      c.status(Number(c.params.status))
      if (c.params.cc) c.header('cache-control', 'max-age=60')
      return 'x'
    })
    for (const path of ['/s/404/cc', '/s/404', '/s/500/cc']) {
      await app.request(path)
      await app.request(path)
    }
    assert.equal(runs, 5)
  })
})

describe('cacheResponse: request directives (RFC 9111 §5.2.1)', () => {
  it('no-cache, max-age=0 and Pragma: no-cache go to the handler and refresh the entry', async () => {
    let v = 0
    const t = setup(() => `v${++v}`)
    await t.get()
    const asks: Array<Record<string, string>> = [{ 'cache-control': 'no-cache' }, { 'cache-control': 'max-age=0' }, { pragma: 'no-cache' }]
    for (const h of asks) {
      const r = await t.get(h)
      assert.equal(r.headers.get('x-cache'), 'miss', JSON.stringify(h))
    }
    assert.equal(await (await t.get()).text(), 'v4')
  })

  it('no-store goes to the handler and stores nothing', async () => {
    let v = 0
    const t = setup(() => `v${++v}`)
    await t.get({ 'cache-control': 'no-store' })
    assert.equal((await t.get()).headers.get('x-cache'), 'miss')
    await t.get({ 'cache-control': 'no-store' })
    assert.equal(await (await t.get()).text(), 'v2')
  })

  it('max-age=N takes only entries at most N seconds old', async () => {
    const c = clock()
    const t = setup(() => 'x', { cache: createCache({ now: c.now }) })
    await t.get()
    c.advance(5_000)
    assert.equal((await t.get({ 'cache-control': 'max-age=10' })).headers.get('x-cache'), 'hit')
    assert.equal((await t.get({ 'cache-control': 'max-age=3' })).headers.get('x-cache'), 'miss')
  })
})

describe('cacheResponse: conditional requests answered from the cache (RFC 9111 §4.3.2)', () => {
  const tagged = () =>
    setup((c) => {
      c.header('etag', '"v1"')
      c.header('last-modified', 'Wed, 01 Jan 2025 00:00:00 GMT')
      return 'body'
    })

  it('answers 304 when If-None-Match matches the stored ETag, 200 when it does not', async () => {
    const t = tagged()
    await t.get()
    const same = await t.get({ 'if-none-match': 'W/"v0", "v1"' })
    assert.equal(same.status, 304)
    assert.equal(same.headers.get('x-cache'), 'hit')
    assert.equal(same.headers.get('etag'), '"v1"')
    assert.equal(await same.text(), '')
    const other = await t.get({ 'if-none-match': '"v2"' })
    assert.equal(other.status, 200)
    assert.equal(await other.text(), 'body')
    assert.equal(t.runs(), 1)
  })

  it('answers 304 when If-Modified-Since is not older than the stored Last-Modified', async () => {
    const t = tagged()
    await t.get()
    assert.equal((await t.get({ 'if-modified-since': 'Thu, 02 Jan 2025 00:00:00 GMT' })).status, 304)
    assert.equal((await t.get({ 'if-modified-since': 'Tue, 31 Dec 2024 00:00:00 GMT' })).status, 200)
  })
})

describe('cacheResponse outside compress()', () => {
  const BIG = JSON.stringify(Array.from({ length: 300 }, (_, i) => ({ id: i, name: `user ${i}` })))

  it('stores each encoded variant with its Content-Encoding and replays its bytes, never compressing twice', async () => {
    const app = quiet()
    let runs = 0
    app.use(cacheResponse(), compress(), fresh(), etag())
    app.get('/big', (c) => {
      runs++
      c.header('content-type', 'application/json')
      return BIG
    })
    const get = async (ae?: string, extra: Record<string, string> = {}) => {
      const r = await app.request('/big', { headers: { ...(ae === undefined ? {} : { 'accept-encoding': ae }), ...extra } })
      return { r, bytes: Buffer.from(await r.arrayBuffer()) }
    }
    const gz = await get('gzip')
    assert.equal(gz.r.headers.get('content-encoding'), 'gzip')
    assert.equal(gz.r.headers.get('x-cache'), 'miss')
    const gzHit = await get('gzip')
    assert.equal(gzHit.r.headers.get('x-cache'), 'hit')
    assert.equal(gzHit.r.headers.get('content-encoding'), 'gzip')
    assert.match(gzHit.r.headers.get('vary')!, /accept-encoding/i)
    assert.deepEqual(gzHit.bytes, gz.bytes)
    assert.equal(gunzipSync(gzHit.bytes).toString(), BIG)
    const br = await get('br, gzip')
    assert.equal(br.r.headers.get('x-cache'), 'miss')
    assert.equal(br.r.headers.get('content-encoding'), 'br')
    const brHit = await get('gzip,BR')
    assert.equal(brHit.r.headers.get('x-cache'), 'hit')
    assert.equal(brotliDecompressSync(brHit.bytes).toString(), BIG)
    const plain = await get()
    assert.equal(plain.r.headers.get('content-encoding'), null)
    const plainHit = await get()
    assert.equal(plainHit.r.headers.get('x-cache'), 'hit')
    assert.equal(plainHit.r.headers.get('content-encoding'), null)
    assert.equal(plainHit.bytes.toString(), BIG)
    assert.equal(runs, 3)
    // The gzip variant's ETag, weakened by compress, answers a 304 from the cache.
    const tag = gzHit.r.headers.get('etag')!
    assert.match(tag, /^W\//)
    const not = await get('gzip', { 'if-none-match': tag })
    assert.equal(not.r.status, 304)
    assert.equal(not.r.headers.get('x-cache'), 'hit')
    assert.equal(runs, 3)
  })
})

describe('cacheResponse: single-flight', () => {
  it('runs the handler once for 50 concurrent misses of one URL', async () => {
    const app = quiet()
    let arrived = 0
    let runs = 0
    let open!: () => void
    const gate = new Promise<void>((r) => {
      open = r
    })
    app.use(async (_c, next) => {
      arrived++
      await next()
    })
    app.use(cacheResponse())
    app.get('/slow', async () => {
      runs++
      await gate
      return { report: 'done' }
    })
    const all = Array.from({ length: 50 }, () => app.request('/slow'))
    while (arrived < 50) await new Promise((r) => setImmediate(r))
    // Every request's lookup is memory-store microtasks: one macrotask turn and all are waiting.
    await new Promise((r) => setImmediate(r))
    open()
    const responses = await Promise.all(all)
    assert.equal(runs, 1)
    const kinds = responses.map((r) => r.headers.get('x-cache'))
    assert.equal(kinds.filter((k) => k === 'miss').length, 1)
    assert.equal(kinds.filter((k) => k === 'hit').length, 49)
    for (const r of responses) assert.deepEqual(await r.json(), { report: 'done' })
  })

  it('followers run the handler themselves when the leader answer is not storable', async () => {
    const app = quiet()
    let runs = 0
    let open!: () => void
    const gate = new Promise<void>((r) => {
      open = r
    })
    app.use(cacheResponse())
    app.get('/me', async (c) => {
      const mine = ++runs
      await gate
      c.cookie('seen', String(mine))
      return 'personal'
    })
    const all = Array.from({ length: 5 }, () => app.request('/me'))
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r))
    open()
    const responses = await Promise.all(all)
    assert.equal(runs, 5)
    assert.equal(new Set(responses.map((r) => r.headers.get('set-cookie'))).size, 5)
  })
})

describe('cacheResponse: store failures and options', () => {
  it('answers from the handler when the store cannot answer, and reports it as a cache error', async () => {
    const broken: Store = { ...memoryStore(), name: 'broken', get: () => Promise.reject(new Error('down')), set: () => Promise.reject(new Error('down')) }
    const t = setup(() => 'still here', { store: broken })
    const seen: string[] = []
    t.app.onEvent('error', (_err, _c, category) => seen.push(category))
    const r = await t.get()
    assert.equal(r.status, 200)
    assert.equal(await r.text(), 'still here')
    assert.deepEqual(seen, ['cache', 'cache'])
  })

  it('refuses bad options when made, naming the option', () => {
    assert.throws(() => cacheResponse({ cache: createCache(), store: memoryStore() }), /cache or store/)
    assert.throws(() => cacheResponse({ ttl: 0 }), /ttl/)
    assert.throws(() => cacheResponse({ methods: ['POST' as 'GET'] }), /methods/)
    assert.throws(() => cacheResponse({ key: 'url' as never }), /key/)
    assert.throws(() => cacheResponse({ private: 'yes' as never }), /private/)
    assert.throws(() => cacheResponse({ skip: true as never }), /skip/)
  })
})
