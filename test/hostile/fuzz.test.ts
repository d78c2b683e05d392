// Random hostile requests on raw sockets against the idiomatic app plus the response middleware: whatever
// the target, headers and body, weir answers every request with a complete response and no 5xx (the routes
// built to fail are left out), and the process lives. Seeded, so a failure names a request that reproduces:
// FUZZ_SEED=<seed> FUZZ_N=<count> node scripts/test.mjs test/hostile/fuzz.test.ts
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { App } from '../../src/index.js'
import { compress } from '../../src/middleware/compress/index.js'
import { cors } from '../../src/middleware/cors/index.js'
import { etag } from '../../src/middleware/etag/index.js'
import { fresh } from '../../src/middleware/fresh/index.js'
import { consoleLogger } from '../../src/utils/console-logger.js'
import { type Site, buildApp, makeSite } from './app.js'
import { complete, exchange, rng, statusOf } from './helpers.js'

const SEED = Number(process.env.FUZZ_SEED ?? 20261122)
const N = Number(process.env.FUZZ_N ?? 300)

const SEGMENTS = ['hello', 'users', 'static', 'items', 'short', 'a.txt', 'index.html', '.env', '..', '.', '', '%2e%2e', '%2F', '%00', '%zz', '%', '%e0%a4', '%C0%AF', 'é', '日本', '%F0%9F%98%80', ';x=1', '*', ':id', 'a'.repeat(600), '\\', '%5c']
const VALUES = ['', '*', '"x"', 'W/"x"', 'gzip', 'br;q=0', 'identity;q=0', '*;q=0', 'q=abc', 'text/html', 'application/json', 'a=b; c', '=;=;', 'bytes=0-0', 'bytes=5-1', 'bytes=-0', 'bytes=0-1,2-3', 'bytes=x', 'Wed, 21 Oct 2015 07:28:00 GMT', 'not a date', 'https://evil.example', 'null', '\t', '%00', 'é', 'a'.repeat(300)]
const HEADERS = ['accept', 'accept-encoding', 'cookie', 'range', 'if-none-match', 'if-match', 'if-modified-since', 'if-range', 'origin', 'x-request-id', 'content-type', 'content-encoding', 'access-control-request-method', 'x-forwarded-for']
const BODIES = ['{"a":1}', '[1,2,3]', '{"__proto__":{"x":1}}', '{"a":', 'a=1&b=2&a=3', 'a[b][c]=1', '', 'null', '\u0000\u0001', '{"a":"é"}', '[[[[[[[[[[]]]]]]]]]]']
const METHODS = ['GET', 'GET', 'GET', 'HEAD', 'POST', 'OPTIONS', 'DELETE', 'PUT']
// Real routes, so the hostile headers reach compress, etag, fresh, ranges and the body parser on real answers.
const ROUTES = ['/hello', '/users/42', '/static/a.txt', '/static/big.txt', '/static/', '/short', '/items', '/stream']

function request(next: () => number): string {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!
  const method = pick(METHODS)
  const depth = 1 + Math.floor(next() * 3)
  let target = ''
  if (next() < 0.5) target = pick(ROUTES)
  else for (let i = 0; i < depth; i++) target += `/${pick(SEGMENTS)}`
  if (next() < 0.3) target += `?${pick(SEGMENTS)}=${pick(VALUES)}&${pick(SEGMENTS)}`
  // The endless stream is for HEAD only (a GET would read it until the timeout).
  if (target.includes('stream') && method !== 'HEAD') target = '/hello'
  const lines = [`${method} ${target.replace(/[ \r\n]/g, '')} HTTP/1.1`, 'Host: fuzz.example', 'Connection: close']
  const count = Math.floor(next() * 5)
  for (let i = 0; i < count; i++) lines.push(`${pick(HEADERS)}: ${pick(VALUES)}`)
  let body = ''
  if (method === 'POST' || method === 'PUT') {
    body = pick(BODIES)
    if (!lines.some((l) => l.startsWith('content-type'))) lines.push(`content-type: ${next() < 0.5 ? 'application/json' : 'application/x-www-form-urlencoded'}`)
    lines.push(`content-length: ${Buffer.byteLength(body)}`)
  }
  return `${lines.join('\r\n')}\r\n\r\n${body}`
}

describe(`hostile: fuzz (seed ${SEED}, ${N} requests)`, () => {
  let site: Site
  let app: App
  before(async () => {
    site = makeSite()
    app = buildApp(site.root, { logger: consoleLogger('silent') }).app
    app.use(cors({ origin: ['https://ok.example'] }), compress({ threshold: 0 }), fresh(), etag())
    await app.listen({ port: 0, host: '127.0.0.1' })
  })
  after(async () => {
    await app.close({ timeout: 100 })
    site.cleanup()
  })

  it('answers every request completely, never with a 5xx, and the process lives', async (t) => {
    const next = rng(SEED)
    const statuses = new Map<number, number>()
    for (let i = 0; i < N; i++) {
      const raw = request(next)
      const r = await exchange(app.port!, raw)
      const status = statusOf(r.text)
      const whole = r.closed && complete(r.text, raw.startsWith('HEAD '))
      assert.ok(whole, `request ${i} was not answered whole: ${JSON.stringify(raw)}\n${r.text.slice(0, 300)}`)
      assert.ok(status >= 200 && status < 500, `request ${i} got ${status}: ${JSON.stringify(raw)}\n${r.text.slice(0, 300)}`)
      statuses.set(status, (statuses.get(status) ?? 0) + 1)
    }
    // The generator reaches the app's routes and its refusals, not only one kind of answer.
    const seen = [...statuses].sort((a, b) => a[0] - b[0])
    t.diagnostic(`statuses: ${seen.map(([s, n]) => `${s}×${n}`).join(' ')}`)
    assert.ok(statuses.size >= 5, `statuses seen: ${JSON.stringify(seen)}`)
    const res = await fetch(`http://127.0.0.1:${app.port}/hello`)
    assert.deepEqual(await res.json(), { hello: 'world' })
  })
})
