// Hostile request bodies against the idiomatic app (recommended() + bodyParser, 1 MiB limit): declared,
// chunked and decoded sizes, 100-continue, broken codings, hostile JSON, clients that stall, stop or leave.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { gzipSync } from 'node:zlib'
import { type Hostile, answered, assertHealthy, exchange, expectText, open, sleep, startHostile, statusOf, waitFor } from './helpers.js'

const T = { timeout: 60_000 }
const MiB = 1024 * 1024

let h: Hostile
before(async () => {
  // A short requestTimeout so a stalled upload is cut within the test (weir's default is 60 s).
  h = await startHostile({ server: { headersTimeout: 1000, requestTimeout: 1500, connectionsCheckingInterval: 100 } })
})
after(() => h.close())

const post = (headers: Record<string, string | number>, path = '/items') =>
  `POST ${path} HTTP/1.1\r\nHost: x\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')}\r\n`
const json = (body: string, extra: Record<string, string | number> = {}) =>
  post({ 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...extra }) + body
const chunk = (data: Buffer) => Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from('\r\n')])

/** The JSON body of the first response in `text` (recover's problem+json). */
function problem(text: string): { code?: string; detail?: string; details?: Record<string, number> } {
  const start = text.indexOf('\r\n\r\n')
  return JSON.parse(text.slice(start + 4).split('HTTP/1.1')[0]!)
}

describe('hostile: body limits', () => {
  it('a Content-Length over the limit is 413 before any body byte is sent, and the connection closes', T, async () => {
    const s = await open(h.port)
    s.write(post({ 'content-type': 'application/json', 'content-length': 2 * MiB }))
    const out = await expectText(s, /ERR_BODY_TOO_LARGE/)
    assert.equal(statusOf(out), 413)
    assert.match(out, /connection: close/i)
    await s.gone
  })

  it('a declared 50 MB body is refused at once, after a few bytes, not after it arrived', T, async () => {
    const s = await open(h.port)
    s.write(post({ 'content-type': 'application/octet-stream', 'content-length': 50_000_000 }))
    // 16 KB of the 50 MB ever go out: an answer that waited for the body would never come.
    s.write(Buffer.alloc(16 * 1024, 1))
    const out = await expectText(s, /ERR_BODY_TOO_LARGE/)
    assert.equal(statusOf(out), 413)
    await s.gone
  })

  it('a chunked body is cut the moment it passes the limit: 413, connection closed, the rest never read', T, async () => {
    const s = await open(h.port)
    s.write(post({ 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' }))
    let sent = 0
    while (statusOf(s.got()) === 0 && !s.destroyed && sent < 20 * MiB) {
      s.write(chunk(Buffer.alloc(64 * 1024, 97)))
      sent += 64 * 1024
      await sleep(1)
    }
    const out = await expectText(s, /ERR_BODY_TOO_LARGE/)
    assert.equal(statusOf(out), 413)
    assert.ok(sent < 3 * MiB, `answered after ${sent} bytes`)
    await s.gone
  })

  it('a gzip bomb (100 MB of zeros in ~100 KB) is 413 after 1 MiB of output, never decoded whole', T, async () => {
    const bomb = gzipSync(Buffer.alloc(100 * 1000 * 1000), { level: 9 })
    assert.ok(bomb.length < 200 * 1024, `the bomb is ${bomb.length} bytes, well under the limit`)
    const ab0 = process.memoryUsage().arrayBuffers
    const s = await open(h.port)
    s.write(post({ 'content-type': 'application/octet-stream', 'content-encoding': 'gzip', 'content-length': bomb.length }))
    s.write(bomb)
    const out = await expectText(s, /ERR_BODY_TOO_LARGE/)
    assert.equal(statusOf(out), 413)
    const grown = (process.memoryUsage().arrayBuffers - ab0) / MiB
    assert.ok(grown < 32, `buffers grew ${grown.toFixed(1)} MB, not by the decoded 100 MB`)
    s.destroy()
  })

  it('Expect: 100-continue with a declared body over the limit is 413 without 100 Continue, and closes', T, async () => {
    const s = await open(h.port)
    s.write(post({ 'content-type': 'application/json', 'content-length': 5 * MiB, expect: '100-continue' }))
    const out = await expectText(s, /ERR_BODY_TOO_LARGE/)
    assert.equal(statusOf(out), 413)
    assert.doesNotMatch(out, /100 Continue/, 'the body was never invited')
    await s.gone
  })

  it('Expect: 100-continue within the limit gets 100 Continue, then the answer (the control case)', T, async () => {
    const s = await open(h.port)
    s.write(post({ 'content-type': 'application/json', 'content-length': 2, expect: '100-continue' }))
    await expectText(s, /^HTTP\/1\.1 100 Continue\r\n\r\n$/)
    s.write('{}')
    const out = await expectText(s, /"ok":true/)
    assert.match(out, /HTTP\/1\.1 201 Created/)
    s.destroy()
  })
})

describe('hostile: codings and JSON', () => {
  const CASES: Array<[name: string, request: () => string | Buffer, status: number, code: string]> = [
    [
      'a malformed gzip body is 400',
      () => {
        const bad = gzipSync('{"a":1}')
        bad[12] = (bad[12] ?? 0) ^ 0xff
        return Buffer.concat([Buffer.from(post({ 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': bad.length })), bad])
      },
      400,
      'ERR_BODY_DECODE_FAILED',
    ],
    [
      'a truncated gzip body is 400',
      () => {
        const cut = gzipSync('{"a":"'.padEnd(5000, 'z')).subarray(0, 30)
        return Buffer.concat([Buffer.from(post({ 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': cut.length })), cut])
      },
      400,
      'ERR_BODY_DECODE_FAILED',
    ],
    ['an unknown Content-Encoding is 415', () => json('{}', { 'content-encoding': 'snappy' }), 415, 'ERR_BODY_UNSUPPORTED_ENCODING'],
    ['invalid JSON is 400', () => json('{"a": 1,\n "b": tru }'), 400, 'ERR_BODY_INVALID_JSON'],
    ['JSON nested 100 000 levels deep is 400 (not 500, not a stack overflow)', () => json(`${'['.repeat(100_000)}${']'.repeat(100_000)}`), 400, 'ERR_BODY_JSON_TOO_DEEP'],
    ['JSON objects nested 100 000 levels deep are 400', () => json(`${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`), 400, 'ERR_BODY_JSON_TOO_DEEP'],
    ['a __proto__ key is 400', () => json('{"user":{"__proto__":{"isAdmin":true}}}'), 400, 'ERR_BODY_PROTO_KEY'],
    ['a __proto__ key written with \\u escapes is 400', () => json('{"\\u005f_proto__":{"isAdmin":true}}'), 400, 'ERR_BODY_PROTO_KEY'],
    ['constructor.prototype is 400', () => json('{"constructor":{"prototype":{"isAdmin":true}}}'), 400, 'ERR_BODY_PROTO_KEY'],
  ]
  for (const [name, request, status, code] of CASES) {
    it(name, T, async () => {
      const r = await exchange(h.port, request(), 20_000, 0, answered)
      assert.equal(statusOf(r.text), status, r.text.slice(0, 400))
      assert.equal(problem(r.text).code, code)
    })
  }

  it('invalid JSON says where: position, line and column, without echoing the body', T, async () => {
    const r = await exchange(h.port, json('{"a": 1,\n "b": tru, "secret": "s3cr3t" }'), 20_000, 0, answered)
    const p = problem(r.text)
    assert.deepEqual(p.details, { position: 15, line: 2, column: 7 })
    assert.match(p.detail ?? '', /position 15 \(line 2, column 7\)/)
    assert.doesNotMatch(r.text, /s3cr3t/)
  })

  it('a well-formed JSON body is parsed (the control case)', T, async () => {
    const r = await exchange(h.port, json('{"a":[1,2,{"b":null}]}'), 20_000, 0, answered)
    assert.equal(statusOf(r.text), 201)
    assert.match(r.text, /\{"ok":true,"type":"object"\}$/)
  })
})

describe('hostile: clients that stall, stop or leave', () => {
  it('a short body then EOF: 400 ERR_BODY_INCOMPLETE at once (no hang), the socket closes', T, async () => {
    const s = await open(h.port)
    const sent = `${post({ 'content-type': 'application/json', 'content-length': 100 })}{"a":`
    s.write(sent)
    await h.received(s, sent.length) // the request is dispatched and its body being read
    s.end()
    await s.gone // closed by the server after its answer: a hang would time the test out
    assert.equal(statusOf(s.got()), 400, s.got())
    assert.match(s.got(), /"code":"ERR_BODY_INCOMPLETE"/)
    await waitFor(() => h.events.some((e) => e.code === 'ERR_BODY_INCOMPLETE'), 20_000, 'the failed read reported')
  })

  it('a slow upload (a few bytes every 40 ms) within requestTimeout is read and answered', T, async () => {
    // Six parts, 200 ms of gaps: far inside the 1.5 s requestTimeout even when timers run late on a busy machine.
    const body = '{"slow":"upload"}'
    const parts = [post({ 'content-type': 'application/json', 'content-length': body.length }), ...body.match(/.{1,3}/g)!]
    const r = await exchange(h.port, parts, 20_000, 40, answered)
    assert.equal(statusOf(r.text), 201, r.text.slice(0, 300))
    assert.equal(r.sent, parts.length)
    // A lower bound only (a timer never fires early): the body really came in pieces.
    assert.ok(r.ms >= (parts.length - 1) * 40 - 10, `took ${r.ms} ms`)
  })

  it('an upload dribbled past requestTimeout (1.5 s here) is cut with 408 ERR_REQUEST_TIMEOUT', T, async () => {
    const body = 'x'.repeat(200)
    const parts = [post({ 'content-type': 'text/plain', 'content-length': body.length }), ...body.match(/.{1,2}/g)!]
    const r = await exchange(h.port, parts, 30_000, 50)
    assert.ok(r.closed, 'the server closed the connection')
    // Cut while the client was still dribbling (100 parts, 50 ms apart), and not before requestTimeout.
    assert.ok(r.sent < parts.length, `cut after ${r.sent} of ${parts.length} parts`)
    assert.ok(r.ms >= 1400, `cut after ${r.ms} ms, before requestTimeout`)
    assert.equal(statusOf(r.text), 408, r.text.slice(0, 300))
    assert.match(r.text, /ERR_REQUEST_TIMEOUT/)
  })

  it('100 clients aborting mid-upload: each read fails ERR_BODY_INCOMPLETE, no connection or request is left', T, async () => {
    const before = h.events.filter((e) => e.code === 'ERR_BODY_INCOMPLETE').length
    await Promise.all(
      Array.from({ length: 100 }, async () => {
        const s = await open(h.port)
        const head = post({ 'content-type': 'application/json', 'content-length': 100_000 })
        const part = `{"a":"${'z'.repeat(5000)}`
        s.write(head)
        s.write(part)
        await h.received(s, head.length + part.length) // mid-upload: the server is reading this body
        s.destroy()
      }),
    )
    await waitFor(() => h.events.filter((e) => e.code === 'ERR_BODY_INCOMPLETE').length - before >= 100, 20_000, '100 incomplete reads')
    const connections = () => new Promise<number>((r) => h.app.server!.getConnections((_e, n) => r(n)))
    const end = performance.now() + 20_000
    let open_ = await connections()
    while (open_ > 0 && performance.now() < end) {
      await sleep(10)
      open_ = await connections()
    }
    assert.equal(open_, 0, 'no connection left open')
  })
})

describe('hostile: body — afterwards', () => {
  it('the server still answers /hello and its RSS is sane', T, async () => {
    await assertHealthy(h)
    assert.ok(!h.errors.some((l) => /ERR_INTERNAL|ERR_STREAM_FAILED/.test(JSON.stringify(l))), 'no internal error was logged')
  })
})
