import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { describe, it } from 'node:test'
import { type App, type Context, type ErrorCategory, type ErrorFormat, HttpError, type Mode, createApp } from '../../index.js'
import { consoleLogger } from '../../utils/console-logger.js'
import { requestId } from '../request-id/index.js'
import { type RecoverOptions, recover } from './index.js'

type Body = Record<string, unknown>

function app(mode: Mode = 'test', options?: RecoverOptions, errors: ErrorFormat = { format: 'problem' }) {
  const lines: string[] = []
  const events: Array<[string, ErrorCategory, Context | undefined]> = []
  const a = createApp({ mode, logger: consoleLogger('debug', (l) => lines.push(l)), errors })
  a.onEvent('error', (err, c, category) => events.push([err.message, category, c]))
  a.use(requestId({ generate: () => 'rid' }), recover(options))
  a.get('/bug', () => {
    throw new TypeError('secret internals: db password is hunter2')
  })
  a.get('/async-bug', async () => {
    await new Promise((r) => setTimeout(r, 1))
    throw new Error('async internals')
  })
  a.get('/busy', () => {
    throw new HttpError(503, 'Try later', { code: 'ERR_BUSY', headers: { 'retry-after': '5' } })
  })
  a.get('/invalid', () => {
    throw new HttpError(422, 'Invalid user', { code: 'ERR_VALIDATION_FAILED', details: [{ path: 'name', message: 'required' }] })
  })
  return Object.assign(a, { lines, events })
}

async function call(a: App, path: string, accept = 'application/json') {
  const res = await a.request(path, { headers: { accept } })
  const text = await res.text()
  const type = res.headers.get('content-type') ?? ''
  return { res, type, text, body: type.includes('json') ? (JSON.parse(text) as Body) : undefined }
}

describe('recover: problem details (RFC 9457)', () => {
  it('answers an HttpError with its status, code, headers and details', async () => {
    const { res, type, body } = await call(app(), '/busy')
    assert.equal(res.status, 503)
    assert.equal(type, 'application/problem+json')
    assert.equal(res.headers.get('retry-after'), '5')
    assert.deepEqual(body, { type: 'about:blank', title: 'Service Unavailable', status: 503, detail: 'Try later', instance: '/busy', code: 'ERR_BUSY', requestId: 'rid' })
    const v = await call(app(), '/invalid')
    assert.equal(v.res.status, 422)
    assert.deepEqual(v.body!.details, [{ path: 'name', message: 'required' }])
    assert.equal(v.body!.code, 'ERR_VALIDATION_FAILED')
  })

  it('answers any other error, sync or async, with 500 ERR_INTERNAL', async () => {
    for (const path of ['/bug', '/async-bug']) {
      const { res, body } = await call(app(), path)
      assert.equal(res.status, 500)
      assert.equal(body!.code, 'ERR_INTERNAL')
      assert.equal(body!.title, 'Internal Server Error')
    }
  })

  it('release mode leaks no message and no stack of an internal error', async () => {
    const a = app('release', { stack: true })
    const { text, body } = await call(a, '/bug')
    assert.deepEqual(body, { type: 'about:blank', title: 'Internal Server Error', status: 500, instance: '/bug', code: 'ERR_INTERNAL', requestId: 'rid' })
    assert.doesNotMatch(text, /hunter2|TypeError|at /)
    const plain = await call(a, '/bug', 'text/html')
    assert.equal(plain.text, '500 ERR_INTERNAL: Internal Server Error\n')
    // ...but the log has everything, with the request id.
    const line = JSON.parse(a.lines.find((l) => l.includes('hunter2'))!) as Body
    assert.deepEqual([line.level, line.requestId, line.code], [50, 'rid', 'ERR_INTERNAL'])
    assert.match(String((line.err as Body).stack), /TypeError: secret internals/)
  })

  it('debug mode shows the message and the stack', async () => {
    const { body } = await call(app('debug'), '/bug')
    assert.equal(body!.detail, 'secret internals: db password is hunter2')
    assert.match(String(body!.stack), /^TypeError: secret internals[\s\S]*\n\s+at /)
    const text = await call(app('debug'), '/bug', 'text/plain')
    assert.match(text.text, /^500 ERR_INTERNAL: secret internals: db password is hunter2\n\nTypeError: /)
  })

  it('a typeBase makes the type a URI per code', async () => {
    const { body } = await call(app('test', { typeBase: 'https://errors.example.com/' }), '/busy')
    assert.equal(body!.type, 'https://errors.example.com/ERR_BUSY')
  })
})

describe('recover: one error format per app', () => {
  it("answers in the app's format: plain by default, like the core's 404", async () => {
    const a = app('test', undefined, {})
    const { type, body } = await call(a, '/invalid')
    assert.equal(type, 'application/json')
    const details = [{ path: 'name', message: 'required' }]
    assert.deepEqual(body, { status: 422, code: 'ERR_VALIDATION_FAILED', message: 'Invalid user', details, requestId: 'rid' })
    const missing = await call(a, '/nope')
    assert.equal(missing.type, 'application/json')
    assert.deepEqual(missing.body, { status: 404, code: 'ERR_NOT_FOUND', message: 'No route for GET /nope', requestId: 'rid' })
  })

  it('answers problem JSON everywhere when the app says so: core 404 and 405, recover, and without recover', async () => {
    const a = app('test')
    a.post('/only-post', () => 'ok')
    const bare = createApp({ mode: 'test', errors: { format: 'problem' } })
    bare.get('/401', (c) => c.throw(401, 'Sign in first', { code: 'ERR_AUTH' }))
    const answers = [await call(a, '/busy'), await call(a, '/nope'), await call(a, '/only-post'), await call(bare, '/401'), await call(bare, '/nope')]
    assert.deepEqual(answers.map((x) => [x.res.status, x.type, x.body!.code, x.body!.title]), [
      [503, 'application/problem+json', 'ERR_BUSY', 'Service Unavailable'],
      [404, 'application/problem+json', 'ERR_NOT_FOUND', 'Not Found'],
      [405, 'application/problem+json', 'ERR_METHOD_NOT_ALLOWED', 'Method Not Allowed'],
      [401, 'application/problem+json', 'ERR_AUTH', 'Unauthorized'],
      [404, 'application/problem+json', 'ERR_NOT_FOUND', 'Not Found'],
    ])
  })

  it('answers a request the parser refused in the app\'s format', async () => {
    const a = createApp({ mode: 'test', errors: { format: 'problem', typeBase: 'https://errors.example.com/' } })
    await a.listen({ port: 0 })
    try {
      const raw = await new Promise<string>((resolve, reject) => {
        const s = connect(a.port!, '127.0.0.1', () => s.end('GET /x HTTP/1.1\r\nHost: a\r\nBad Header: 1\r\n\r\n'))
        let out = ''
        s.setEncoding('utf8').on('data', (d) => {
          out += d
        })
        s.on('close', () => resolve(out)).on('error', reject)
      })
      assert.match(raw, /^HTTP\/1\.1 400 /)
      assert.match(raw, /content-type: application\/problem\+json/i)
      const body = JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)) as Body
      assert.deepEqual([body.type, body.status, body.code], ['https://errors.example.com/ERR_BAD_REQUEST', 400, 'ERR_BAD_REQUEST'])
    } finally {
      await a.close({ timeout: 1000 })
    }
  })

  it("format 'plain' on recover keeps weir's { status, code, message, details } for its answers", async () => {
    const { type, body } = await call(app('test', { format: 'plain' }), '/invalid')
    assert.equal(type, 'application/json')
    assert.deepEqual(body, { status: 422, code: 'ERR_VALIDATION_FAILED', message: 'Invalid user', details: [{ path: 'name', message: 'required' }], requestId: 'rid' })
  })

  it('refuses a bad app error format when the app is made', () => {
    assert.throws(() => createApp({ errors: { format: 'xml' as never } }), /createApp\(\): errors: format must be 'plain' or 'problem'/)
    assert.throws(() => createApp({ errors: { typeBase: '' } }), TypeError)
  })
})

describe('recover: other shapes', () => {
  it('answers text to a client that does not accept JSON', async () => {
    const { res, type, text } = await call(app(), '/busy', 'text/html,application/xhtml+xml')
    assert.equal(res.status, 503)
    assert.equal(type, 'text/plain; charset=utf-8')
    assert.equal(text, '503 ERR_BUSY: Try later\n')
  })

  it('drops the failed response\'s body headers (ETag, Content-Type) but keeps the others', async () => {
    const a = app()
    a.get('/half', (c) => {
      c.header('etag', '"v1"').header('x-keep', '1').html('<p>partial</p>')
      throw new HttpError(409, 'Conflict here')
    })
    const { res, type } = await call(a, '/half')
    assert.equal(res.status, 409)
    assert.equal(res.headers.get('etag'), null)
    assert.equal(res.headers.get('x-keep'), '1')
    assert.equal(type, 'application/problem+json')
  })

  it('cuts a response whose head was already written by hand', async () => {
    const a = app()
    a.get('/raw', (c) => {
      c.res.bypass = true
      c.raw.res.writeHead(200, { 'content-type': 'text/plain' })
      c.raw.res.write('partial')
      throw new Error('after the head')
    })
    const res = await a.request('/raw')
    assert.equal(res.status, 200)
    await assert.rejects(res.text())
  })

  it('refuses bad options when built', () => {
    assert.throws(() => recover({ format: 'xml' as never }), TypeError)
    assert.throws(() => recover({ typeBase: '' }), TypeError)
    assert.throws(() => recover({ skip: 'x' as never }), TypeError)
  })
})

describe("recover: with the app's onError", () => {
  function hooked(hook: (err: Error, c: Context) => unknown) {
    const a = app('release')
    const seen: string[] = []
    a.onError((err, c) => {
      seen.push(`${err.message} ${c.req.path}`)
      return hook(err, c)
    })
    a.get('/taken', () => {
      throw Object.assign(new Error('email taken'), { column: 'email' })
    })
    return Object.assign(a, { seen })
  }

  it("lets the app's hook make every answer: thrown HttpErrors, bugs, the core's 404", async () => {
    const a = hooked((err, c) => c.json({ errors: { body: [err.message] } }, err instanceof HttpError ? err.status : 500))
    const busy = await call(a, '/busy')
    assert.deepEqual([busy.res.status, busy.body, busy.res.headers.get('x-request-id')], [503, { errors: { body: ['Try later'] } }, 'rid'])
    const bug = await call(a, '/bug')
    assert.deepEqual([bug.res.status, bug.body], [500, { errors: { body: ['secret internals: db password is hunter2'] } }])
    const nope = await call(a, '/nope')
    assert.deepEqual([nope.res.status, nope.body], [404, { errors: { body: ['No route for GET /nope'] } }])
    assert.deepEqual(a.seen, ['Try later /busy', 'secret internals: db password is hunter2 /bug', 'No route for GET /nope /nope'])
  })

  it('logs each error once, by its answer, and keeps the recover category for bugs', async () => {
    const a = hooked(async (err, c) => {
      await new Promise((r) => setTimeout(r, 1))
      return 'column' in err ? c.json({ taken: err.column }, 422) : c.json({ sorry: true }, 500)
    })
    const taken = await call(a, '/taken')
    assert.deepEqual([taken.res.status, taken.body], [422, { taken: 'email' }])
    assert.equal((await call(a, '/async-bug')).res.status, 500)
    const lines = a.lines.map((l) => JSON.parse(l) as { level: number; msg: string; requestId: string })
    assert.deepEqual(
      lines.map((l) => [l.msg, l.level, l.requestId]),
      [
        ['email taken', 20, 'rid'],
        ['async internals', 50, 'rid'],
      ],
    )
    assert.deepEqual(
      a.events.map(([m, cat]) => [m, cat]),
      [
        ['email taken', 'http'],
        ['async internals', 'recover'],
      ],
    )
  })

  it('returns once the async hook has answered, so the layers above see its status', async () => {
    const a = createApp({ mode: 'test', logger: consoleLogger('silent') })
    const statuses: number[] = []
    a.use(async (c, next) => {
      await next()
      statuses.push(c.res.status)
    }, recover())
    a.onError(async (_err, c) => {
      await new Promise((r) => setTimeout(r, 5))
      c.status(409)
      return { conflict: true }
    })
    a.get('/x', () => {
      throw new Error('x')
    })
    assert.equal((await a.request('/x')).status, 409)
    assert.deepEqual(statuses, [409])
  })

  it('falls back to its own answer when the hook throws, and logs ERR_ON_ERROR_FAILED', async () => {
    const a = hooked(() => {
      throw new Error('hook broke')
    })
    const { res, body } = await call(a, '/busy')
    assert.deepEqual([res.status, body!.code, body!.title], [500, 'ERR_INTERNAL', 'Internal Server Error'])
    const plain = createApp({ mode: 'test', logger: consoleLogger('silent'), errors: { format: 'problem' } })
    plain.use(recover({ format: 'plain' })).onError(() => {
      throw new Error('hook broke')
    })
    plain.get('/x', () => {
      throw new Error('x')
    })
    const own = await call(plain, '/x')
    assert.deepEqual([own.type, own.body], ['application/json', { status: 500, code: 'ERR_INTERNAL', message: 'hook broke' }])
    assert.equal(a.lines.filter((l) => l.includes('ERR_ON_ERROR_FAILED')).length, 1)
    assert.deepEqual(
      a.events.map(([m, cat]) => [m, cat]),
      [
        ['Try later', 'http'],
        ['hook broke', 'unhandled'],
      ],
    )
  })
})

describe('recover: error events', () => {
  it('reports each error with its context and category', async () => {
    const a = app()
    a.get('/body', () => {
      throw new HttpError(413, 'too big', { code: 'ERR_BODY_TOO_LARGE' })
    })
    a.get('/slow', () => {
      throw new HttpError(503, 'slow', { code: 'ERR_TIMEOUT' })
    })
    a.get('/tagged', () => {
      throw Object.assign(new Error('db down'), { category: 'database' })
    })
    for (const p of ['/bug', '/busy', '/invalid', '/body', '/slow', '/tagged']) await call(a, p)
    assert.deepEqual(
      a.events.map(([m, cat, c]) => [m.slice(0, 16), cat, c?.req.path, c?.requestId]),
      [
        ['secret internals', 'recover', '/bug', 'rid'],
        ['Try later', 'http', '/busy', 'rid'],
        ['Invalid user', 'validation', '/invalid', 'rid'],
        ['too big', 'body', '/body', 'rid'],
        ['slow', 'timeout', '/slow', 'rid'],
        ['db down', 'database', '/tagged', 'rid'],
      ],
    )
  })

  it('without recover(), the app reports category unhandled; a listener that throws is logged and skipped', async () => {
    const lines: string[] = []
    const a = createApp({ mode: 'test', logger: consoleLogger('debug', (l) => lines.push(l)) })
    const seen: ErrorCategory[] = []
    a.onEvent('error', () => {
      throw new Error('listener bug')
    })
    a.onEvent('error', (_e, _c, category) => seen.push(category))
    a.get('/bug', () => {
      throw new Error('x')
    })
    a.get('/nope', (c) => c.throw(404))
    assert.equal((await a.request('/bug')).status, 500)
    assert.equal((await a.request('/nope')).status, 404)
    assert.deepEqual(seen, ['unhandled', 'http'])
    assert.equal(lines.filter((l) => l.includes('ERR_EVENT_LISTENER_FAILED')).length, 2)
    assert.throws(() => a.onEvent('nope' as never, (() => {}) as never), TypeError)
  })
})
