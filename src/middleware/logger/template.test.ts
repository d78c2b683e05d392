import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type App, createApp } from '../../index.js'
import { requestId } from '../request-id/index.js'
import { logger } from './index.js'

/** Waits until `cond()` holds. The 30 s bound only keeps a broken test from hanging; no test asserts how fast. */
async function until(cond: () => boolean, what = 'condition', ms = 30_000): Promise<void> {
  const end = performance.now() + ms
  while (!cond()) {
    if (performance.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

/** An in-memory request read to its end (the line is written once the response has ended). */
async function fetchIn(app: App, path: string | Request, init?: RequestInit): Promise<void> {
  await (await app.request(path, init)).arrayBuffer()
}

describe('logger: template', () => {
  async function line(format: string, init?: RequestInit & { path?: string }, setup?: (app: App) => void): Promise<string> {
    const out: string[] = []
    const app = createApp({ mode: 'test' })
    app.use(requestId({ generate: () => 'rid-1' }), logger({ format, write: (l) => out.push(l) }))
    if (setup) setup(app)
    else app.get('/users/:id', (c) => c.header('x-served-by', 'w1').json({ id: c.params.id }))
    await fetchIn(app, init?.path ?? '/users/42?full=1', init)
    await until(() => out.length === 1)
    return out[0]!
  }

  it("elton's default template", async () => {
    assert.match(await line('{method} {url} {status} {size-human} - {latency-ms} ms'), /^GET \/users\/42\?full=1 200 11B - \d+\.\d\d ms$/)
  })

  it('every named token', async () => {
    const l = await line(
      '{method}|{url}|{uri}|{path}|{query}|{route}|{status}|{size}|{latency}|{ip}|{host}|{protocol}|{referer}|{user-agent}|{request-id}|{payload-size}|{content-type}|{aborted}|{when-unix}',
      { headers: { referer: 'http://r/', 'user-agent': 'ua/2', host: 'example.test' } },
    )
    assert.match(
      l,
      /^GET\|\/users\/42\?full=1\|http:\/\/example\.test\/users\/42\?full=1\|\/users\/42\|full=1\|\/users\/:id\|200\|11\|[\d.]+(µs|ms)\|127\.0\.0\.1\|example\.test\|http\|http:\/\/r\/\|ua\/2\|rid-1\|0\|-\|-\|\d{10}$/,
    )
  })

  it('request and response headers, cookies, context values, environment', async () => {
    process.env.WEIR_TEST_REGION = 'eu-1'
    const l = await line('{>x-trace} {<x-served-by} {<content-type} {~sid} {:user} {$WEIR_TEST_REGION} {>absent}', {
      headers: { 'x-trace': 't-9', cookie: 'sid=s1; other=2' },
    }, (app) => {
      app.get('/users/:id', (c) => {
        ;(c.set as (k: string, v: unknown) => void)('user', { id: 'u1' })
        return c.header('x-served-by', 'w1').json({ id: c.params.id })
      })
    })
    assert.equal(l, 't-9 w1 application/json s1 {"id":"u1"} eu-1 -')
  })

  it('escapes control characters a client sent, so a line cannot be forged', async () => {
    const out: string[] = []
    const app = createApp({ mode: 'test' })
    app.use(logger({ format: '{path} {>x-evil}', write: (l) => out.push(l) }))
    app.get('/a', () => 'ok')
    const req = new Request('http://localhost/a', { headers: { 'x-evil': 'a\tb' } })
    await fetchIn(app, req)
    await until(() => out.length === 1)
    assert.equal(out[0], '/a a\\x09b')
  })

  it('refuses an unknown token, a bad option or an empty template when built', () => {
    assert.throws(() => logger({ format: '{method} {nope}' }), { name: 'TypeError', message: /unknown token \{nope\}/ })
    assert.throws(() => logger({ format: '{toString}' }), TypeError)
    assert.throws(() => logger({ format: '{>}' }), TypeError)
    assert.throws(() => logger({ format: '' }), TypeError)
    assert.throws(() => logger({ format: '{url}', write: 'stdout' as never }), TypeError)
    assert.throws(() => logger({ maxBodyLength: 0 }), TypeError)
    assert.throws(() => logger({ skip: true as never }), TypeError)
  })
})
