import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type Context, createApp } from '../index.js'
import { consoleLogger } from '../utils/console-logger.js'

declare module '../core/types.js' {
  interface ContextVariables {
    user: { id: string }
  }
}

const quiet = (opts: Parameters<typeof createApp>[0] = {}) => createApp({ mode: 'test', logger: consoleLogger('silent'), ...opts })

async function run(handler: (c: Context) => unknown, init?: RequestInit & { path?: string }) {
  const app = quiet()
  app.all('/t', handler)
  return app.request(init?.path ?? '/t', init)
}

describe('context: response helpers', () => {
  it('json, text and html set body, type and status', async () => {
    const j = await run((c) => c.json({ a: 1 }, 201))
    assert.deepEqual([j.status, j.headers.get('content-type'), await j.text()], [201, 'application/json', '{"a":1}'])
    const t = await run((c) => c.text('hi', 202))
    assert.deepEqual([t.status, t.headers.get('content-type'), await t.text()], [202, 'text/plain; charset=utf-8', 'hi'])
    const h = await run((c) => c.html('<p>x</p>'))
    assert.deepEqual([h.headers.get('content-type'), await h.text()], ['text/html; charset=utf-8', '<p>x</p>'])
  })

  it('body() sends bytes as given and leaves Content-Type to the caller', async () => {
    const res = await run((c) => c.header('content-type', 'image/png').body(new Uint8Array([1, 2, 3])))
    assert.equal(res.headers.get('content-type'), 'image/png')
    assert.deepEqual(new Uint8Array(await res.arrayBuffer()), new Uint8Array([1, 2, 3]))
  })

  it('status() refuses codes outside 100-999', async () => {
    const res = await run((c) => c.status(1000))
    assert.equal(res.status, 500)
  })

  it('header() refuses CR/LF in values and invalid names (no header injection)', async () => {
    for (const bad of [(c: Context) => c.header('x-a', 'v\r\nset-cookie: evil=1'), (c: Context) => c.header('bad name', 'v')]) {
      const res = await run(bad)
      assert.equal(res.status, 500)
      assert.equal(res.headers.get('set-cookie'), null)
    }
  })

  it('redirect() percent-encodes control characters so a user URL cannot split headers', async () => {
    const res = await run((c) => c.redirect('/next?to=a\r\nset-cookie: x=1 é'))
    assert.equal(res.status, 302)
    assert.equal(res.headers.get('location'), '/next?to=a%0D%0Aset-cookie:%20x=1%20%C3%A9')
    assert.equal(res.headers.get('set-cookie'), null)
    const moved = await run((c) => c.redirect('/new', 308))
    assert.equal(moved.status, 308)
  })

  it('cookie() appends Set-Cookie with safe defaults; deleteCookie expires it', async () => {
    const res = await run((c) => c.cookie('sid', 'a b', { maxAge: 60, secure: true }).cookie('theme', 'dark', { httpOnly: false }).deleteCookie('old'))
    assert.deepEqual(res.headers.getSetCookie(), [
      'sid=a%20b; Max-Age=60; Path=/; HttpOnly; Secure; SameSite=Lax',
      'theme=dark; Path=/; SameSite=Lax',
      'old=; Max-Age=0; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax',
    ])
    const bad = await run((c) => c.cookie('a;b', 'x'))
    assert.equal(bad.status, 500)
  })

  it('set() and get() carry typed per-request values', async () => {
    const app = quiet()
    app.use(async (c, next) => {
      c.set('user', { id: 'u1' })
      await next()
    })
    app.get('/', (c) => ({ id: c.get('user')?.id }))
    assert.deepEqual(await (await app.request('/')).json(), { id: 'u1' })
  })

  it('throw() raises an HttpError that becomes the response', async () => {
    const res = await run((c) => c.throw(401, 'Sign in first', { code: 'ERR_AUTH_REQUIRED' }))
    assert.equal(res.status, 401)
    assert.deepEqual(await res.json(), { status: 401, code: 'ERR_AUTH_REQUIRED', message: 'Sign in first' })
  })

  it('exposes the matched route pattern and typed params', async () => {
    const app = quiet()
    app.get('/users/:id/files/*path', (c) => ({ route: c.route, id: c.params.id, path: c.params.path }))
    assert.deepEqual(await (await app.request('/users/7/files/a/b.txt')).json(), {
      route: '/users/:id/files/*path',
      id: '7',
      path: 'a/b.txt',
    })
  })
})

const PROTO = '__proto__'

describe('context: request accessors', () => {
  it('method, url, path, search, query and queries', async () => {
    const res = await run(
      (c) => ({
        method: c.req.method,
        url: c.req.url,
        path: c.req.path,
        search: c.req.search,
        query: { ...c.req.query },
        tags: c.req.queries('tag'),
        proto: c.req.query[PROTO],
      }),
      { path: '/t?tag=a&tag=b&q=x%20y&__proto__=p', method: 'PATCH' },
    )
    assert.deepEqual(await res.json(), {
      method: 'PATCH',
      url: '/t?tag=a&tag=b&q=x%20y&__proto__=p',
      path: '/t',
      search: 'tag=a&tag=b&q=x%20y&__proto__=p',
      query: JSON.parse('{"tag":"a","q":"x y","__proto__":"p"}'),
      tags: ['a', 'b'],
      proto: 'p',
    })
  })

  it('header() reads request headers case-insensitively; headers is the whole set', async () => {
    const res = await run((c) => ({ ua: c.req.header('User-Agent'), all: c.req.headers['x-a'] }), {
      headers: { 'user-agent': 'probe', 'x-a': '1' },
    })
    assert.deepEqual(await res.json(), { ua: 'probe', all: '1' })
  })

  it('cookies parses the Cookie header, first occurrence wins, values decoded', async () => {
    const res = await run((c) => ({ ...c.req.cookies }), { headers: { cookie: 'a=1; b="two"; a=3; c=%E2%9C%93; bad' } })
    assert.deepEqual(await res.json(), { a: '1', b: 'two', c: '✓' })
  })

  const fwd = { 'x-forwarded-for': '203.0.113.9, 10.0.0.2', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'example.com' }
  const trustCases: Array<[string, Parameters<typeof createApp>[0], string, string, string]> = [
    ['ignores X-Forwarded-* by default', {}, '127.0.0.1', 'http', 'localhost'],
    ['trusts every hop with true', { trustProxy: true }, '203.0.113.9', 'https', 'example.com'],
    ['trusts one hop with 1', { trustProxy: 1 }, '10.0.0.2', 'https', 'example.com'],
    ['trusts two hops with 2', { trustProxy: 2 }, '203.0.113.9', 'https', 'example.com'],
    ['trusts listed proxies', { trustProxy: ['127.0.0.1', '10.0.0.2'] }, '203.0.113.9', 'https', 'example.com'],
  ]
  for (const [name, opts, ip, protocol, host] of trustCases) {
    it(`ip, protocol, host: ${name}`, async () => {
      const app = quiet(opts)
      app.get('/', (c) => ({ ip: c.req.ip, protocol: c.req.protocol, host: c.req.host }))
      const res = await app.request('/', { headers: fwd })
      assert.deepEqual(await res.json(), { ip, protocol, host })
    })
  }

  it('signal aborts when the client goes away before the response finished', async () => {
    const app = quiet()
    let aborted: Promise<unknown> | undefined
    app.get('/', (c) => {
      aborted = new Promise((resolve) => c.req.signal.addEventListener('abort', () => resolve(c.req.signal.reason)))
      return (async function* () {
        for (;;) {
          yield 'x'.repeat(1024)
          await new Promise((r) => setTimeout(r, 1))
        }
      })()
    })
    const res = await app.request('/')
    const reader = res.body!.getReader()
    await reader.read()
    await reader.cancel()
    const reason = (await aborted) as { code: string }
    assert.equal(reason.code, 'ERR_CLIENT_GONE')
  })

  it('signal does not abort for a response that finished', async () => {
    const app = quiet()
    let signal: AbortSignal | undefined
    let closed: Promise<void> | undefined
    app.get('/', (c) => {
      signal = c.req.signal
      // Added after the signal's own listener: when this one runs, the signal has had its chance to abort.
      closed = new Promise((resolve, reject) => {
        // The bound only keeps a broken test from hanging.
        const t = setTimeout(() => reject(new Error('the response did not close within 30 s')), 30_000)
        c.raw.res.once('close', () => {
          clearTimeout(t)
          resolve()
        })
      })
      return 'done'
    })
    await (await app.request('/')).text()
    await closed
    assert.equal(signal!.aborted, false)
  })
})
