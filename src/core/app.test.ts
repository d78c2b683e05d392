import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { describe, it } from 'node:test'
import { ANNOTATION, HttpError, type Middleware, createApp } from '../index.js'
import { consoleLogger } from '../utils/console-logger.js'
import type { Mode } from '../utils/mode.js'

function app(mode: Mode = 'test') {
  const lines: string[] = []
  const a = createApp({ mode, logger: consoleLogger('debug', (l) => lines.push(l)) })
  return Object.assign(a, { lines })
}

describe('app: returned values become the body', () => {
  const cases: Array<[string, () => unknown, number, string | null, string]> = [
    ['object → JSON', () => ({ hello: 'world' }), 200, 'application/json', '{"hello":"world"}'],
    ['array → JSON', () => [1, 2], 200, 'application/json', '[1,2]'],
    ['number → JSON', () => 42, 200, 'application/json', '42'],
    ['string → text', () => 'hi', 200, 'text/plain; charset=utf-8', 'hi'],
    ['bytes → octet-stream', () => new Uint8Array([104, 105]), 200, 'application/octet-stream', 'hi'],
    ['Readable → streamed', () => Readable.from(['a', 'b']), 200, 'application/octet-stream', 'ab'],
    [
      'async generator → streamed',
      async function* () {
        yield 'x'
        yield 'y'
      },
      200,
      'application/octet-stream',
      'xy',
    ],
    ['sync iterator → streamed', () => ['i', 'j'].values(), 200, 'application/octet-stream', 'ij'],
    ['Web ReadableStream → streamed', () => new Blob(['web']).stream(), 200, 'application/octet-stream', 'web'],
    ['Response → adopted', () => new Response('made', { status: 202, headers: { 'x-a': '1', 'content-type': 'text/x' } }), 202, 'text/x', 'made'],
    ['null → empty', () => null, 200, null, ''],
  ]
  for (const [name, make, status, type, text] of cases) {
    it(name, async () => {
      const a = app()
      a.get('/', (() => {
        const v = make()
        return typeof v === 'function' ? (v as () => unknown)() : v
      }) as () => unknown)
      const res = await a.request('/')
      assert.equal(res.status, status)
      assert.equal(res.headers.get('content-type'), type)
      assert.equal(await res.text(), text)
    })
  }

  it('sets Content-Length on buffered bodies, counting bytes not characters', async () => {
    const a = app()
    a.get('/', () => 'héllo')
    const res = await a.request('/')
    assert.equal(res.headers.get('content-length'), '6')
  })

  it('awaits async handlers', async () => {
    const a = app()
    a.post('/items', async (c) => {
      await new Promise((r) => setTimeout(r, 2))
      c.status(201)
      return { ok: true }
    })
    const res = await a.request('/items', { method: 'POST' })
    assert.equal(res.status, 201)
    assert.deepEqual(await res.json(), { ok: true })
  })
})

describe('app: what middleware returns', () => {
  it('answers whatever a middleware returns: null, a value, or nothing, sync or not awaited', async () => {
    const a = app()
    a.use((_c, next) => {
      next()
      return null
    })
    a.use((_c, next) => {
      void next()
      return 42
    })
    a.get('/', () => 'ok')
    const res = await a.request('/')
    assert.equal(res.status, 200)
    assert.equal(await res.text(), 'ok')
  })
})

describe('app: routing answers', () => {
  it('answers 404 with ERR_NOT_FOUND as JSON, or text for a browser', async () => {
    const a = app()
    const json = await a.request('/nope')
    assert.equal(json.status, 404)
    assert.equal(((await json.json()) as { code: string }).code, 'ERR_NOT_FOUND')
    const text = await a.request('/nope', { headers: { accept: 'text/html,application/xhtml+xml' } })
    assert.equal(text.headers.get('content-type'), 'text/plain; charset=utf-8')
    assert.match(await text.text(), /^404 ERR_NOT_FOUND/)
  })

  it('answers 405 with Allow listing the methods of the path', async () => {
    const a = app()
    a.get('/r', () => 'g')
    a.post('/r', () => 'p')
    const res = await a.request('/r', { method: 'DELETE' })
    assert.equal(res.status, 405)
    assert.equal(res.headers.get('allow'), 'GET, HEAD, OPTIONS, POST')
    assert.equal(((await res.json()) as { code: string }).code, 'ERR_METHOD_NOT_ALLOWED')
  })

  it('answers OPTIONS with 204 and Allow when the path has no OPTIONS route', async () => {
    const a = app()
    a.put('/r', () => 'p')
    const res = await a.request('/r', { method: 'OPTIONS' })
    assert.equal(res.status, 204)
    assert.equal(res.headers.get('allow'), 'OPTIONS, PUT')
  })

  it('serves HEAD with the GET handler, same headers, no body', async () => {
    const a = app()
    a.get('/r', () => 'twelve bytes')
    const res = await a.request('/r', { method: 'HEAD' })
    assert.equal(res.status, 200)
    assert.equal(res.headers.get('content-length'), '12')
    assert.equal(await res.text(), '')
  })

  it('never runs a streamed source for HEAD: the generator is stopped unread', async () => {
    const a = app()
    let produced = 0
    let returned = false
    let source: AsyncGenerator<string> | undefined
    a.get('/s', () => {
      source = (async function* endless() {
        for (;;) {
          produced++
          yield 'line\n'
        }
      })()
      const stop = source.return.bind(source)
      source.return = (v) => {
        returned = true
        return stop(v)
      }
      return source
    })
    const res = await a.request('/s', { method: 'HEAD' })
    assert.equal(res.status, 200)
    assert.equal(await res.text(), '')
    // Stopped, not left running: once returned, a generator never runs its body again, so "never ran" is
    // final here, not a matter of how long the test waited.
    assert.equal(returned, true, 'the generator was returned')
    assert.deepEqual(await source!.next(), { done: true, value: undefined })
    assert.equal(produced, 0)
  })

  it('answers a malformed percent-escape in a param with 400 ERR_BAD_PERCENT_ENCODING', async () => {
    const a = app()
    let reached = false
    a.get('/u/:name', (c) => {
      reached = true
      return c.params.name
    })
    const res = await a.request('/u/%E0%A4%A')
    assert.equal(res.status, 400)
    assert.equal(((await res.json()) as { code: string }).code, 'ERR_BAD_PERCENT_ENCODING')
    assert.equal(reached, false)
    assert.equal(await (await a.request('/u/caf%C3%A9')).text(), 'café')
  })

  it('answers a path the router refuses (bad escape, over-long param) behind the global middleware', async () => {
    const a = app()
    const seen: Array<[string, number]> = []
    a.use(async (c, next) => {
      c.header('x-request-id', 'r1')
      try {
        await next()
      } catch (err) {
        seen.push([c.req.path.slice(0, 12), (err as { status: number }).status])
        throw err
      }
    })
    a.get('/u/:name', (c) => c.params.name)
    const bad = await a.request('/u/%zz')
    assert.equal(bad.status, 400)
    assert.equal(bad.headers.get('x-request-id'), 'r1', 'the global middleware ran')
    assert.equal(((await bad.json()) as { code: string }).code, 'ERR_BAD_PERCENT_ENCODING')
    const long = await a.request(`/u/${'x'.repeat(600)}`)
    assert.equal(long.status, 414)
    assert.equal(long.headers.get('x-request-id'), 'r1')
    assert.deepEqual(seen, [['/u/%zz', 400], [`/u/${'x'.repeat(9)}`, 414]])
  })

  it('uses a custom notFound handler after global middleware', async () => {
    const a = app()
    a.use(async (c, next) => {
      await next()
      c.header('x-global', '1')
    })
    a.notFound((c) => c.text('custom 404', 404))
    const res = await a.request('/x')
    assert.equal(res.status, 404)
    assert.equal(res.headers.get('x-global'), '1')
    assert.equal(await res.text(), 'custom 404')
  })

  it("gives the core's 404 and 405 to onError as HttpErrors; the 405 keeps Allow", async () => {
    const a = app()
    const seen: unknown[] = []
    a.get('/r', () => 'g')
    a.post('/r', () => 'p')
    assert.equal((await a.request('/nope')).status, 404, 'answered by the core before a hook is set')
    a.onError((err, c) => {
      const e = err as HttpError
      seen.push([e instanceof HttpError, e.status, e.code, e.headers?.allow])
      return c.json({ error: e.code }, e.status)
    })
    const missing = await a.request('/nope')
    assert.equal(missing.status, 404)
    assert.deepEqual(await missing.json(), { error: 'ERR_NOT_FOUND' })
    const method = await a.request('/r', { method: 'DELETE' })
    assert.equal(method.status, 405)
    assert.equal(method.headers.get('allow'), 'GET, HEAD, OPTIONS, POST')
    assert.deepEqual(await method.json(), { error: 'ERR_METHOD_NOT_ALLOWED' })
    assert.deepEqual(seen, [
      [true, 404, 'ERR_NOT_FOUND', undefined],
      [true, 405, 'ERR_METHOD_NOT_ALLOWED', 'GET, HEAD, OPTIONS, POST'],
    ])
    assert.equal((await a.request('/r', { method: 'OPTIONS' })).status, 204, 'OPTIONS is an answer, not an error')
  })

  it('with onError, a miss under a group is thrown through the group middleware; a custom notFound still answers', async () => {
    const a = app()
    const caught: string[] = []
    a.onError((err, c) => c.text(`hook ${(err as HttpError).code}`, (err as HttpError).status))
    const api = a.group('/api', async (c, next) => {
      try {
        await next()
      } catch (err) {
        caught.push(`${c.req.path} ${(err as HttpError).code}`)
        throw err
      }
    })
    api.get('/items', () => [])
    assert.equal(await (await a.request('/api/nope')).text(), 'hook ERR_NOT_FOUND')
    assert.equal(await (await a.request('/api/items', { method: 'PUT' })).text(), 'hook ERR_METHOD_NOT_ALLOWED')
    assert.deepEqual(caught, ['/api/nope ERR_NOT_FOUND', '/api/items ERR_METHOD_NOT_ALLOWED'])
    a.notFound((c) => c.text('custom 404', 404))
    assert.equal(await (await a.request('/nope')).text(), 'custom 404')
  })

  it('without onError, answers 404 and 405 itself: no error event, no log line', async () => {
    const a = app()
    const events: string[] = []
    a.onEvent('error', (_e, _c, category) => events.push(category))
    a.get('/r', () => 'g')
    assert.equal((await a.request('/nope')).status, 404)
    assert.equal((await a.request('/r', { method: 'POST' })).status, 405)
    assert.deepEqual([events, a.lines], [[], []])
  })

  it('redirects to the registered form when trailingSlash is redirect, keeping the query', async () => {
    const a = createApp({ mode: 'test', router: { trailingSlash: 'redirect' } })
    a.get('/docs', () => 'docs')
    a.post('/docs', () => 'posted')
    const res = await a.request('/docs/?v=1')
    assert.equal(res.status, 301)
    assert.equal(res.headers.get('location'), '/docs?v=1')
    const post = await a.request('/docs/', { method: 'POST' })
    assert.equal(post.status, 308, 'a non-GET redirect keeps its method and body')
  })
})

describe('app: routes() and annotations', () => {
  const note = (text: string): Middleware => Object.assign(() => assert.fail(`annotation ${text} was run`), { [ANNOTATION]: text })

  it('lists each route with its chain in run order: app, group, route middleware, handler', () => {
    const a = app()
    const global: Middleware = (_c, next) => next()
    const own: Middleware = (_c, next) => next()
    const handler = () => 'ok'
    a.use(global)
    const g = a.group('/g', own)
    const doc = note('route')
    g.get('/x', doc, handler)
    assert.deepEqual(a.routes(), [{ method: 'GET', pattern: '/g/x', handlers: [global, own, doc, handler] }])
  })

  it('never runs an annotation, on a route, a group or the app, nor on a miss under a group', async () => {
    const a = app()
    a.use(note('app'))
    const g = a.group('/g', note('group'))
    g.get('/x', note('route'), () => 'ok')
    assert.equal(await (await a.request('/g/x')).text(), 'ok')
    assert.equal((await a.request('/g/nope')).status, 404)
    assert.equal((await a.request('/nope')).status, 404)
  })

  it('refuses a route whose last function is an annotation', () => {
    assert.throws(() => app().get('/x', note('last')), /last function must be the handler/)
  })
})

describe('app: errors', () => {
  it('keeps an HttpError status, code, headers and details', async () => {
    const a = app()
    a.get('/', () => {
      throw new HttpError(429, 'Slow down', { code: 'ERR_RATE', headers: { 'retry-after': '3' }, details: { limit: 1 } })
    })
    const res = await a.request('/')
    assert.equal(res.status, 429)
    assert.equal(res.headers.get('retry-after'), '3')
    const body = (await res.json()) as Record<string, unknown>
    assert.deepEqual([body.code, body.message, body.details], ['ERR_RATE', 'Slow down', { limit: 1 }])
  })

  it('hides an internal error message and stack in release mode', async () => {
    const a = app('release')
    a.get('/', () => {
      throw new Error('db password is hunter2')
    })
    const res = await a.request('/')
    assert.equal(res.status, 500)
    const text = await res.text()
    assert.doesNotMatch(text, /hunter2/)
    assert.match(text, /ERR_INTERNAL/)
    assert.equal(a.lines.length, 1, 'the error is logged')
    assert.match(a.lines[0]!, /hunter2/)
  })

  it('shows message and stack of an internal error in debug mode', async () => {
    const a = app('debug')
    a.get('/', () => {
      throw new Error('visible in debug')
    })
    const body = (await (await a.request('/')).json()) as { message: string; stack: string }
    assert.equal(body.message, 'visible in debug')
    assert.match(body.stack, /app\.test\.ts/)
  })

  it('drops body headers of the failed response but keeps the others', async () => {
    const a = app()
    a.get('/', (c) => {
      c.header('x-keep', '1').header('etag', '"x"')
      c.json({ partial: true })
      throw new HttpError(409)
    })
    const res = await a.request('/')
    assert.equal(res.status, 409)
    assert.equal(res.headers.get('x-keep'), '1')
    assert.equal(res.headers.get('etag'), null)
  })

  it('gives every unhandled error to onError, whose answer is sent', async () => {
    const a = app()
    const seen: string[] = []
    a.onError((err, c) => {
      seen.push(`${err.message} ${c.req.path}`)
      return c.json({ oops: err.message }, 418)
    })
    a.get('/', async () => {
      throw new Error('bad')
    })
    const res = await a.request('/')
    assert.equal(res.status, 418)
    assert.deepEqual(await res.json(), { oops: 'bad' })
    assert.deepEqual(seen, ['bad /'])
  })

  it('logs an error onError answers with a 4xx at debug and reports it as http, not as a bug', async () => {
    const a = app()
    const events: string[] = []
    a.onEvent('error', (err, _c, category) => events.push(`${err.message} ${category}`))
    a.onError((err, c) => {
      if (err.message === 'taken') return c.json({ error: 'already taken' }, 422)
      if (err.message === 'hidden') return c.redirect('/oops')
      if (err instanceof HttpError && err.status === 401) return c.redirect('/login')
      return c.json({ error: 'internal' }, 500)
    })
    a.get('/taken', async () => {
      throw new Error('taken')
    })
    a.get('/bug', () => {
      throw new Error('bug')
    })
    a.get('/hidden', () => {
      throw new Error('hidden')
    })
    a.get('/login', (c) => c.throw(401, 'sign in'))
    assert.equal((await a.request('/taken')).status, 422)
    assert.equal((await a.request('/bug')).status, 500)
    assert.equal((await a.request('/hidden')).status, 302)
    assert.equal((await a.request('/login')).status, 302)
    const levels = a.lines.map((l) => JSON.parse(l) as { level: number; msg: string; code?: string })
    assert.deepEqual(
      levels.map((l) => [l.msg, l.level, l.code]),
      [
        ['taken', 20, undefined],
        ['bug', 50, 'ERR_INTERNAL'],
        ['hidden', 50, 'ERR_INTERNAL'],
        ['sign in', 20, 'ERR_HTTP_401'],
      ],
    )
    assert.deepEqual(events, ['taken http', 'bug unhandled', 'hidden unhandled', 'sign in http'])
  })

  it('falls back to the default error response when onError itself throws', async () => {
    const a = app()
    a.onError(() => {
      throw new Error('hook broke')
    })
    a.get('/', () => {
      throw new HttpError(403, 'nope')
    })
    const res = await a.request('/')
    assert.equal(res.status, 500)
    assert.ok(a.lines.some((l) => l.includes('ERR_ON_ERROR_FAILED')))
  })

  it('turns a thrown non-Error into a 500 without crashing', async () => {
    const a = app()
    a.get('/', () => {
      throw 'just a string'
    })
    assert.equal((await a.request('/')).status, 500)
  })

  it('logs a write after the response was sent instead of throwing', async () => {
    const a = app()
    let late: (() => void) | undefined
    a.get('/', (c) => {
      late = () => c.text('second')
      return 'first'
    })
    const res = await a.request('/')
    assert.equal(await res.text(), 'first')
    assert.doesNotThrow(() => late!())
    assert.ok(a.lines.some((l) => l.includes('ERR_RESPONSE_SENT')))
  })
})

describe('app: mode', () => {
  it('reads WEIR_MODE, falls back to release under NODE_ENV=production and refuses unknown values', async () => {
    const { resolveMode } = await import('../utils/mode.js')
    assert.equal(resolveMode(undefined, { WEIR_MODE: 'release' }), 'release')
    assert.equal(resolveMode(undefined, { NODE_ENV: 'production' }), 'release')
    assert.equal(resolveMode(undefined, {}), 'debug')
    assert.equal(resolveMode('test', { WEIR_MODE: 'debug' }), 'test')
    assert.throws(() => resolveMode(undefined, { WEIR_MODE: 'verbose' }), /Unknown mode/)
    assert.equal(createApp({ mode: 'release' }).mode, 'release')
  })

  it('writes one access line per request in release mode with the default logger', async () => {
    // A real process under NODE_ENV=production, as deployed: nothing configured but the middleware.
    const src = fileURLToPath(new URL('..', import.meta.url))
    const script = `
      import { createApp } from '${src}index.ts'
      import { logger } from '${src}middleware/logger/index.ts'
      import { recommended } from '${src}middleware/recommended/index.ts'
      for (const stack of [[logger()], recommended()]) {
        const app = createApp()
        let closed
        // After the stack: its close listener runs after the access log's, which writes its line (to stderr) then.
        app.use(...stack, (c, next) => {
          closed = new Promise((r) => c.raw.res.once('close', r))
          return next()
        })
        app.get('/hi', () => 'hi')
        const res = await app.request('/hi')
        await res.text()
        await closed
      }`
    const env = { ...process.env, NODE_ENV: 'production', WEIR_MODE: '' }
    const stderr = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { env, timeout: 30_000 }, (err, _out, errOut) =>
        err ? reject(Object.assign(err, { stderr: errOut })) : resolve(errOut),
      )
    })
    const access = stderr.split('\n').filter((l) => l.includes('http access log'))
    assert.equal(access.length, 2, stderr)
    for (const line of access) assert.equal(JSON.parse(line).status, 200)
  })
})
