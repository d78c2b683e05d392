import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createApp } from '../../index.js'
import { consoleLogger } from '../../utils/console-logger.js'
import { type CorsOptions, cors } from './index.js'

const APP = 'https://app.example.com'
const EVIL = 'https://evil.example.net'

function serve(options?: CorsOptions) {
  const app = createApp({ mode: 'test', logger: consoleLogger('silent') })
  app.use(cors(options))
  app.get('/t', (c) => c.header('x-total', '3').json({ ok: true }))
  app.post('/t', () => 'posted')
  app.get('/boom', (c) => c.throw(403, 'no'))
  app.get('/vary', (c) => c.header('vary', 'Accept').text('v'))
  return (path: string, headers: Record<string, string> = {}, method = 'GET') => app.request(path, { method, headers })
}

const h = (res: Response, name: string) => res.headers.get(name)
const preflight = (origin: string, extra: Record<string, string> = {}) => ({
  origin,
  'access-control-request-method': 'POST',
  ...extra,
})

describe('cors: origins', () => {
  const table: Array<[string, CorsOptions['origin'], string | undefined, string | null]> = [
    ['* allows any origin', '*', EVIL, '*'],
    ['* is sent without Origin too, so a cache never stores an answer without it', '*', undefined, '*'],
    ['a string allows that origin', APP, APP, APP],
    ['a string refuses others', APP, EVIL, null],
    ['a list allows a member', [APP, 'https://b.example.com'], APP, APP],
    ['a list refuses others', [APP], EVIL, null],
    ['a list may mix strings and RegExps: a string member', [/^https:\/\/[a-z]+\.example\.org$/, APP], APP, APP],
    ['a list may mix strings and RegExps: a RegExp member', ['https://b.example.com', /^https:\/\/[a-z]+\.example\.net$/], EVIL, EVIL],
    ['a mixed list refuses others', [APP, /^https:\/\/b\.example\.net$/], EVIL, null],
    ['a list sends nothing without Origin', [APP, /example/], undefined, null],
    ['a RegExp allows a match', /^https:\/\/[a-z]+\.example\.com$/, APP, APP],
    ['a RegExp refuses a non-match', /^https:\/\/[a-z]+\.example\.com$/, EVIL, null],
    ['a function decides', (o) => o.endsWith('.com'), APP, APP],
    ['an async function decides', async (o) => o === EVIL, APP, null],
  ]
  for (const [name, origin, sent, want] of table) {
    it(name, async () => {
      const res = await serve({ origin })('/t', sent ? { origin: sent } : {})
      assert.equal(res.status, 200)
      assert.equal(h(res, 'access-control-allow-origin'), want)
      assert.equal(h(res, 'vary'), origin === '*' ? null : 'Origin')
    })
  }
})

describe('cors: responses and preflights', () => {
  it('sends credentials and exposed headers on actual requests', async () => {
    const res = await serve({ origin: [APP], credentials: true, exposeHeaders: ['X-Total'] })('/t', { origin: APP })
    assert.deepEqual(
      [h(res, 'access-control-allow-origin'), h(res, 'access-control-allow-credentials'), h(res, 'access-control-expose-headers')],
      [APP, 'true', 'X-Total'],
    )
  })

  it('answers a preflight with 204, methods, echoed headers and max-age, without running the route', async () => {
    const res = await serve({ origin: APP, maxAge: 600 })('/t', preflight(APP, { 'access-control-request-headers': 'content-type, x-token' }), 'OPTIONS')
    assert.equal(res.status, 204)
    assert.equal(h(res, 'access-control-allow-origin'), APP)
    assert.equal(h(res, 'access-control-allow-methods'), 'GET, HEAD, PUT, PATCH, POST, DELETE')
    assert.equal(h(res, 'access-control-allow-headers'), 'content-type, x-token')
    assert.equal(h(res, 'access-control-max-age'), '600')
    assert.equal(h(res, 'vary'), 'Origin, Access-Control-Request-Headers')
    assert.equal(h(res, 'content-length'), null)
  })

  it('answers a preflight with the configured headers and methods', async () => {
    const res = await serve({ methods: ['GET', 'POST'], allowHeaders: ['Content-Type'] })('/t', preflight(EVIL, { 'access-control-request-headers': 'x-other' }), 'OPTIONS')
    assert.deepEqual(
      [res.status, h(res, 'access-control-allow-origin'), h(res, 'access-control-allow-methods'), h(res, 'access-control-allow-headers'), h(res, 'access-control-max-age')],
      [204, '*', 'GET, POST', 'Content-Type', null],
    )
  })

  it('lets a preflight from a refused origin through to the core OPTIONS answer, without CORS headers', async () => {
    const res = await serve({ origin: APP })('/t', preflight(EVIL), 'OPTIONS')
    assert.deepEqual([res.status, h(res, 'allow'), h(res, 'access-control-allow-origin')], [204, 'GET, HEAD, OPTIONS, POST', null])
  })

  it('works on 404, 405 and error answers, so browsers can read them', async () => {
    const get = serve({ origin: APP })
    const missing = await get('/nowhere', { origin: APP })
    assert.deepEqual([missing.status, h(missing, 'access-control-allow-origin')], [404, APP])
    const wrong = await get('/t', { origin: APP }, 'DELETE')
    assert.deepEqual([wrong.status, h(wrong, 'access-control-allow-origin')], [405, APP])
    const boom = await get('/boom', { origin: APP })
    assert.deepEqual([boom.status, h(boom, 'access-control-allow-origin'), h(boom, 'vary')], [403, APP, 'Origin'])
    const nowhere = await get('/nowhere', preflight(APP), 'OPTIONS')
    assert.deepEqual([nowhere.status, h(nowhere, 'access-control-allow-origin')], [204, APP])
  })

  it("with '*', exposes headers without Origin too, and never varies on Origin", async () => {
    const res = await serve({ exposeHeaders: ['X-Total'] })('/t')
    assert.deepEqual([h(res, 'access-control-allow-origin'), h(res, 'access-control-expose-headers'), h(res, 'vary')], ['*', 'X-Total', null])
    const missing = await serve()('/nowhere')
    assert.deepEqual([missing.status, h(missing, 'access-control-allow-origin')], [404, '*'])
  })

  it("with '*', an OPTIONS without Origin is no preflight: the core answers it", async () => {
    const res = await serve()('/t', { 'access-control-request-method': 'POST' }, 'OPTIONS')
    assert.deepEqual([res.status, h(res, 'allow'), h(res, 'access-control-allow-methods')], [204, 'GET, HEAD, OPTIONS, POST', null])
  })

  it('sends Vary: Origin for every answer of a non-* configuration, with or without Origin', async () => {
    for (const origin of [APP, [APP, /x/], /x/, () => true] as CorsOptions['origin'][]) {
      const get = serve({ origin })
      for (const headers of [{}, { origin: APP }, { origin: EVIL }] as Array<Record<string, string>>) assert.equal(h(await get('/t', headers), 'vary'), 'Origin', JSON.stringify(headers))
    }
  })

  it('keeps Vary: Origin when the handler sets its own Vary', async () => {
    const res = await serve({ origin: APP })('/vary', { origin: APP })
    assert.equal(h(res, 'vary'), 'Accept, Origin')
  })

  it('refuses bad options when built', () => {
    const bad: CorsOptions[] = [
      { credentials: true },
      { origin: '*', credentials: true },
      { origin: 42 as unknown as string },
      { origin: [APP, 42] as unknown as string[] },
      { origin: ['https://a b'] },
      { methods: ['GET, POST'] },
      { allowHeaders: ['x\ny'] },
      { maxAge: -1 },
    ]
    for (const o of bad) assert.throws(() => cors(o), TypeError, JSON.stringify(o))
  })

  it('honours skip', async () => {
    const res = await serve({ skip: () => true })('/t', { origin: APP })
    assert.equal(h(res, 'access-control-allow-origin'), null)
  })
})
