import assert from 'node:assert/strict'
import { Readable } from 'node:stream'
import { describe, it } from 'node:test'
import { type App, createApp, lines } from '../../index.js'
import { consoleLogger } from '../../utils/console-logger.js'
import { compress } from '../compress/index.js'
import { requestId } from '../request-id/index.js'
import { type InspectorOptions, inspector, isLoopback, isLoopbackHost } from './index.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

interface Summary {
  id: number
  method: string
  url: string
  route?: string
  status?: number
  resSize: number
  reqSize: number
  requestId?: string
  streamed: boolean
  failed: boolean
}
interface Body {
  kind: string
  text?: string
  size: number
  truncated: boolean
}
interface Detail extends Summary {
  requestHeaders: Array<[string, string]>
  responseHeaders: Array<[string, string]>
  requestBody: Body
  responseBody: Body
  logs: Array<{ level: string; msg?: string; fields?: string }>
  error?: { message: string; status?: number; code?: string; stack?: string }
  timings: { total?: number }
}

/** A debug-mode app with the inspector first, the log lines kept in `logged`. */
function setup(options: InspectorOptions = {}, mode: 'debug' | 'release' | 'test' = 'debug') {
  const logged: string[] = []
  const app: App = createApp({ mode, logger: consoleLogger('debug', (l) => logged.push(l)), trustProxy: true })
  app.use(inspector(options), requestId())
  app.post('/login', async (c) => {
    const body = (await c.req.json()) as { user: string }
    c.log.info({ user: body.user }, 'logging in')
    return { ok: true, user: body.user, token: 'abc' }
  })
  app.get('/boom', () => {
    throw new Error('kaboom')
  })
  app.get('/teapot', (c) => c.throw(418, 'short and stout', { code: 'ERR_TEAPOT' }))
  app.get('/big', () => 'x'.repeat(5000))
  app.get('/png', (c) => c.header('content-type', 'image/png').body(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 1, 2])))
  app.get('/stream', (c) => c.header('content-type', 'text/plain').body(lines(['one\n', 'two\nthr', 'ee\n'])))
  app.get('/users/:id', (c) => ({ id: c.params.id }))
  return { app, logged }
}

async function send(app: App, path: string, init?: RequestInit): Promise<Response> {
  const res = await app.request(path, init)
  await res.arrayBuffer()
  return res
}

async function json<T>(app: App, path: string, init?: RequestInit): Promise<T> {
  const res = await app.request(path, init)
  assert.equal(res.status, 200, `${path}: ${res.status}`)
  return (await res.json()) as T
}

/** The newest recorded request once it finished (it settles on the response's `close`, a tick later). */
async function newest(app: App, path: string): Promise<Detail> {
  const end = performance.now() + 30_000
  for (;;) {
    const { requests } = await json<{ requests: Summary[] }>(app, '/_weir/api/requests')
    const s = requests.find((r) => r.url.startsWith(path))
    if (s?.status !== undefined) return json<Detail>(app, `/_weir/api/requests/${s.id}`)
    if (performance.now() > end) throw new Error(`no finished request for ${path}`)
    await sleep(5)
  }
}

describe('inspector', () => {
  it('records a JSON POST with both bodies, the password and the token redacted', async () => {
    const { app } = setup()
    const res = await send(app, '/login?access_token=qwerty&page=1', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sekret', cookie: 'sid=1' },
      body: JSON.stringify({ user: 'ada', password: 'hunter2' }),
    })
    assert.equal(res.status, 200)
    const d = await newest(app, '/login')
    assert.equal(d.method, 'POST')
    assert.equal(d.route, '/login')
    assert.equal(d.status, 200)
    assert.equal(d.url, '/login?access_token=[Redacted]&page=1')
    assert.equal(d.requestBody.kind, 'json')
    assert.deepEqual(JSON.parse(d.requestBody.text!), { user: 'ada', password: '[Redacted]' })
    assert.deepEqual(JSON.parse(d.responseBody.text!), { ok: true, user: 'ada', token: '[Redacted]' })
    const h = Object.fromEntries(d.requestHeaders.map(([k, v]) => [k.toLowerCase(), v]))
    assert.equal(h.authorization, '[Redacted]')
    assert.equal(h.cookie, '[Redacted]')
    assert.equal(h['content-type'], 'application/json')
    assert.ok(d.responseHeaders.some(([k, v]) => k === 'content-type' && v.startsWith('application/json')))
    assert.ok(d.requestId, 'the request id set by requestId() after the inspector')
    assert.equal(typeof d.timings.total, 'number')
    assert.ok(!JSON.stringify(d).includes('hunter2') && !JSON.stringify(d).includes('sekret') && !JSON.stringify(d).includes('qwerty'))
  })

  it('keeps the log lines written through c.log, still writing them to the app logger with the request id', async () => {
    const { app, logged } = setup()
    await send(app, '/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"user":"bob"}' })
    const d = await newest(app, '/login')
    const line = d.logs.find((l) => l.msg === 'logging in')
    assert.ok(line, JSON.stringify(d.logs))
    assert.equal(line.level, 'info')
    assert.deepEqual(JSON.parse(line.fields!), { user: 'bob' })
    const out = logged.find((l) => l.includes('logging in'))
    assert.ok(out?.includes(d.requestId!), `the app's line carries the request id: ${out}`)
  })

  it('records an error with its stack, and a 4xx HttpError with its code', async () => {
    const { app } = setup()
    assert.equal((await send(app, '/boom')).status, 500)
    const d = await newest(app, '/boom')
    assert.equal(d.status, 500)
    assert.equal(d.failed, true)
    assert.equal(d.error?.message, 'kaboom')
    assert.match(d.error?.stack ?? '', /kaboom[\s\S]*index\.test\.ts/)
    assert.ok(d.responseBody.text?.includes('ERR_INTERNAL'), `the error answer is the response body: ${d.responseBody.text}`)
    assert.equal((await send(app, '/teapot')).status, 418)
    const t = await newest(app, '/teapot')
    assert.deepEqual([t.error?.code, t.error?.status], ['ERR_TEAPOT', 418])
  })

  it('records a 404 without a route', async () => {
    const { app } = setup()
    assert.equal((await send(app, '/nowhere')).status, 404)
    const d = await newest(app, '/nowhere')
    assert.equal(d.status, 404)
    assert.equal(d.route, undefined)
  })

  it('shows a binary body as its size only, and cuts long bodies at maxBodySize', async () => {
    const { app } = setup({ maxBodySize: 1000 })
    await send(app, '/png')
    const png = await newest(app, '/png')
    assert.deepEqual(png.responseBody, { kind: 'binary', size: 8, truncated: false })
    await send(app, '/big')
    const big = await newest(app, '/big')
    assert.equal(big.responseBody.size, 5000)
    assert.equal(big.responseBody.truncated, true)
    assert.ok(big.responseBody.text!.length < 1100, `cut: ${big.responseBody.text!.length}`)
  })

  it('sizes a streamed response by the bytes sent, and marks it streamed', async () => {
    const { app } = setup()
    const res = await app.request('/stream')
    assert.equal(await res.text(), 'one\ntwo\nthree\n')
    const d = await newest(app, '/stream')
    assert.equal(d.streamed, true)
    assert.equal(d.resSize, 14)
    assert.equal(d.responseBody.text, 'one\ntwo\nthree\n')
  })

  it('shows the plain body when compress() inside encodes it, and sizes a binary stream', async () => {
    const { app } = setup()
    app.use(compress({ threshold: 0 }))
    const rows = Array.from({ length: 200 }, (_, i) => ({ i, name: `row ${i}` }))
    app.get('/rows', () => rows)
    app.get('/download', (c) => c.header('content-type', 'application/octet-stream').body(Readable.from([Buffer.alloc(3000), Buffer.alloc(5000)])))
    const res = await send(app, '/rows', { headers: { 'accept-encoding': 'gzip' } })
    assert.equal(res.headers.get('content-encoding'), 'gzip')
    const d = await newest(app, '/rows')
    assert.equal(d.responseBody.kind, 'json')
    assert.deepEqual(JSON.parse(d.responseBody.text!), rows)
    await send(app, '/download')
    const bin = await newest(app, '/download')
    assert.equal(bin.streamed, true)
    assert.deepEqual(bin.responseBody, { kind: 'binary', size: 8000, truncated: false })
  })

  it('keeps at most maxRequests, newest first, and never records its own requests', async () => {
    const { app } = setup({ maxRequests: 3 })
    for (const id of [1, 2, 3, 4, 5]) await send(app, `/users/${id}`)
    await newest(app, '/users/5')
    const { requests } = await json<{ requests: Summary[] }>(app, '/_weir/api/requests')
    assert.deepEqual(
      requests.map((r) => r.url),
      ['/users/5', '/users/4', '/users/3'],
    )
    const gone = await app.request(`/_weir/api/requests/${requests[2]!.id - 1}`)
    assert.equal(gone.status, 404)
    assert.equal(((await gone.json()) as { code: string }).code, 'ERR_INSPECTOR_UNKNOWN_REQUEST')
  })

  it('drops the oldest requests when the kept bodies pass maxBodyBytes', async () => {
    const { app } = setup({ maxBodyBytes: 12_000, maxBodySize: 5000 })
    for (let i = 0; i < 4; i++) await send(app, `/big?n=${i}`)
    await newest(app, '/big?n=3')
    const { requests, bodyBytes } = await json<{ requests: Summary[]; bodyBytes: number }>(app, '/_weir/api/requests')
    assert.deepEqual(
      requests.map((r) => r.url),
      ['/big?n=3', '/big?n=2'],
    )
    assert.ok(bodyBytes <= 12_000, `${bodyBytes}`)
  })

  it('filters the list by status class, route and text in the path or the bodies', async () => {
    const { app } = setup()
    await send(app, '/users/7')
    await send(app, '/nowhere')
    await send(app, '/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"user":"grace"}' })
    await newest(app, '/login')
    const urls = async (qs: string) => (await json<{ requests: Summary[] }>(app, `/_weir/api/requests?${qs}`)).requests.map((r) => r.url)
    assert.deepEqual(await urls('status=4'), ['/nowhere'])
    assert.deepEqual(await urls('route=%2Fusers%2F%3Aid'), ['/users/7'])
    assert.deepEqual(await urls('q=grace'), ['/login'])
    assert.deepEqual(await urls('q=USERS'), ['/users/7'])
  })

  it('serves the page, its script and its style', async () => {
    const { app } = setup({ path: '/debug/inspect' })
    const page = await app.request('/debug/inspect')
    assert.equal(page.status, 200)
    assert.match(page.headers.get('content-type') ?? '', /text\/html/)
    const html = await page.text()
    assert.ok(html.includes('src="/debug/inspect/inspector.js"'), 'asset paths follow the path option')
    const js = await app.request('/debug/inspect/inspector.js')
    assert.match(js.headers.get('content-type') ?? '', /javascript/)
    assert.ok((await js.text()).includes('EventSource'))
    const css = await app.request('/debug/inspect/inspector.css')
    assert.match(css.headers.get('content-type') ?? '', /text\/css/)
    assert.equal((await app.request('/debug/inspect/nope')).status, 404)
    assert.equal((await app.request('/_weir')).status, 404, 'the default path is not served')
  })

  for (const mode of ['release', 'test'] as const) {
    it(`serves nothing and records nothing in ${mode} mode, and says so once`, async () => {
      const { app, logged } = setup({}, mode)
      assert.equal((await send(app, '/users/1')).status, 200)
      for (const p of ['/_weir', '/_weir/', '/_weir/api/requests', '/_weir/inspector.js']) {
        assert.equal((await send(app, p)).status, 404, p)
      }
      assert.equal(logged.filter((l) => l.includes('inspector(): off')).length, 1, logged.join('\n'))
    })
  }

  it('answers only loopback clients: others get the app own 404', async () => {
    const { app } = setup()
    const remote = { headers: { 'x-forwarded-for': '203.0.113.9' } }
    assert.equal((await send(app, '/_weir', remote)).status, 404)
    assert.equal((await send(app, '/_weir/api/requests', remote)).status, 404)
    assert.equal((await send(app, '/_weir', { headers: { 'x-forwarded-for': '127.0.0.1' } })).status, 200)
  })

  it('refuses a loopback client asking for another host name (DNS rebinding), unless it has the token', async () => {
    const token = 'a-long-enough-token-1234'
    const { app } = setup({ token })
    assert.equal((await send(app, '/_weir/api/requests', { headers: { host: 'evil.example' } })).status, 404)
    assert.equal((await send(app, '/_weir/api/requests', { headers: { host: 'localhost:3000' } })).status, 200)
    assert.equal((await send(app, '/_weir/api/requests', { headers: { host: 'evil.example', authorization: `Bearer ${token}` } })).status, 200)
  })

  it('lets a remote client in with the token, as a bearer, a query or the cookie the page sets', async () => {
    const token = 'a-long-enough-token-1234'
    const { app } = setup({ token })
    const remote = (extra: Record<string, string> = {}) => ({ headers: { 'x-forwarded-for': '203.0.113.9', ...extra } })
    assert.equal((await send(app, '/_weir/api/requests', remote({ authorization: 'Bearer wrong-token-wrong-token' }))).status, 404)
    assert.equal((await send(app, '/_weir/api/requests', remote({ authorization: `Bearer ${token}` }))).status, 200)
    const page = await send(app, `/_weir?token=${token}`, remote())
    assert.equal(page.status, 200)
    const cookie = page.headers.get('set-cookie') ?? ''
    assert.match(cookie, /HttpOnly/i)
    assert.match(cookie, /SameSite=Strict/i)
    assert.match(cookie, /Path=\/_weir/)
    assert.equal((await send(app, '/_weir/inspector.js', remote({ cookie: cookie.split(';')[0]! }))).status, 200)
    assert.equal((await send(app, '/_weir/inspector.js', remote({ cookie: 'weir-inspector=nope' }))).status, 404)
  })

  it('refuses bad options when built', () => {
    const bad: unknown[] = [{ path: 'x' }, { path: '/x/' }, { maxRequests: 0 }, { maxBodyBytes: 1.5 }, { maxBodySize: -1 }, { token: 'short' }, { skip: 1 }]
    for (const o of bad) assert.throws(() => inspector(o as InspectorOptions), TypeError, JSON.stringify(o))
  })

  it('skips the requests skip() names', async () => {
    const { app } = setup({ skip: (c) => c.req.path === '/users/1' })
    await send(app, '/users/1')
    await send(app, '/users/2')
    await newest(app, '/users/2')
    const { requests } = await json<{ requests: Summary[] }>(app, '/_weir/api/requests')
    assert.deepEqual(
      requests.map((r) => r.url),
      ['/users/2'],
    )
  })

  it('tells loopback addresses and host names', () => {
    const cases: Array<[string, boolean]> = [
      ['127.0.0.1', true],
      ['127.8.9.10', true],
      ['::1', true],
      ['::ffff:127.0.0.1', true],
      ['10.0.0.1', false],
      ['::ffff:10.0.0.1', false],
      ['1270.0.0.1', false],
      ['', false],
    ]
    for (const [ip, want] of cases) assert.equal(isLoopback(ip), want, ip)
    const hosts: Array<[string | undefined, boolean]> = [
      ['localhost', true],
      ['LOCALHOST:3000', true],
      ['app.localhost:8080', true],
      ['127.0.0.1:3000', true],
      ['[::1]:3000', true],
      ['[::1]', true],
      ['localhost.evil.example', false],
      ['127.0.0.1.evil.example', false],
      ['evil.example', false],
      ['[::2]:80', false],
      [undefined, false],
    ]
    for (const [host, want] of hosts) assert.equal(isLoopbackHost(host), want, String(host))
  })
})

describe('inspector and WebSocket sessions', () => {
  it('lists a session as in flight while open, then as 101 with its length', async () => {
    const { WebSocket } = await import('ws')
    const { websocket } = await import('../ws/index.js')
    const { app } = setup()
    app.get('/ws', websocket({ message: (ws, data) => ws.send(String(data)) }))
    await app.listen({ host: '127.0.0.1', port: 0 })
    try {
      const client = new WebSocket(`ws://127.0.0.1:${app.port}/ws`)
      await new Promise((resolve, reject) => client.once('open', resolve).once('error', reject))
      client.send('hi')
      await new Promise((resolve) => client.once('message', resolve))
      const open = (await json<{ requests: Array<Summary & { websocket: boolean }> }>(app, '/_weir/api/requests')).requests[0]!
      assert.deepEqual([open.url, open.status, open.websocket], ['/ws', undefined, true])
      client.close()
      const d = await newest(app, '/ws')
      assert.equal(d.status, 101)
    } finally {
      await app.close()
    }
  })
})
