// Hostile input at the protocol level: request lines, versions, Host, header sizes, smuggling shapes.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { App } from '../../src/index.js'
import { exchange, serve, statusOf } from './helpers.js'

let app: App
before(async () => {
  app = await serve((a) => {
    a.get('/hello', () => ({ hello: 'world' }))
    a.post('/echo', (c) => c.text(`len ${c.req.header('content-length') ?? '-'}`))
  })
})
after(() => app.close({ timeout: 100 }))

const CASES: Array<[name: string, request: string, status: number, code: string]> = [
  // A well-formed request line with a version weir does not serve is 505. Node's parser hands HTTP/2.0 over
  // (weir refuses it) and refuses 3.x, 1.2 and 9.9 itself ('Invalid HTTP version').
  ['HTTP/2.0 as text is 505', 'GET /hello HTTP/2.0\r\nHost: x\r\n\r\n', 505, 'ERR_HTTP_VERSION'],
  ['HTTP/3.0 is 505', 'GET /hello HTTP/3.0\r\nHost: x\r\n\r\n', 505, 'ERR_HTTP_VERSION'],
  ['HTTP/3.1 is 505', 'GET /hello HTTP/3.1\r\nHost: x\r\n\r\n', 505, 'ERR_HTTP_VERSION'],
  ['HTTP/1.2 is 505', 'GET /hello HTTP/1.2\r\nHost: x\r\n\r\n', 505, 'ERR_HTTP_VERSION'],
  // A malformed request line is the client's fault: 400, never a 5xx.
  ['a request line without a version (HTTP/0.9 style) is 400', 'GET /hello\r\n\r\n', 400, 'ERR_BAD_REQUEST'],
  ['a request line without a version, with headers, is 400', 'GET /hello\r\nHost: x\r\n\r\n', 400, 'ERR_BAD_REQUEST'],
  ['a POST without a version is 400', 'POST /echo\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi', 400, 'ERR_BAD_REQUEST'],
  // Node's parser reports the line above as HTTP/0.9, the same as one that writes HTTP/0.9 out.
  ['HTTP/0.9 written out is 400 (the parser cannot tell it from no version)', 'GET /hello HTTP/0.9\r\nHost: x\r\n\r\n', 400, 'ERR_BAD_REQUEST'],
  ['a space and no version is 400', 'GET /hello \r\nHost: x\r\n\r\n', 400, 'ERR_BAD_REQUEST'],
  ['a version without a dot is 400', 'GET /hello HTTP/11\r\nHost: x\r\n\r\n', 400, 'ERR_BAD_REQUEST'],
  ['a two-digit minor version is 400', 'GET /hello HTTP/1.10\r\nHost: x\r\n\r\n', 400, 'ERR_BAD_REQUEST'],
  ['a letter for the minor version is 400', 'GET /hello HTTP/1.x\r\nHost: x\r\n\r\n', 400, 'ERR_BAD_REQUEST'],
  ['a lower-case protocol name is 400', 'GET /hello http/1.1\r\nHost: x\r\n\r\n', 400, 'ERR_BAD_REQUEST'],
  ['text after the version is 400', 'GET /hello HTTP/1.1 x\r\nHost: x\r\n\r\n', 400, 'ERR_BAD_REQUEST'],
  ['a method alone is 400', 'GET\r\n\r\n', 400, 'ERR_BAD_REQUEST'],
  ['an invalid method is 400', 'G@T /hello HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'ERR_BAD_REQUEST'],
  ['a lower-case method is 400', 'get /hello HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'ERR_BAD_REQUEST'],
  ['a space in the target is 400', 'GET /a b HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'ERR_BAD_REQUEST'],
  ['a missing Host on HTTP/1.1 is 400', 'GET /hello HTTP/1.1\r\n\r\n', 400, 'ERR_MISSING_HOST'],
  ['two different Host headers are 400', 'GET /hello HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', 400, 'ERR_DUPLICATE_HOST'],
  ['two equal Host headers are 400', 'GET /hello HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n', 400, 'ERR_DUPLICATE_HOST'],
  ['two Host headers in any case are 400', 'GET /hello HTTP/1.1\r\nHOST: a\r\nhOsT: a\r\n\r\n', 400, 'ERR_DUPLICATE_HOST'],
  ['a field spelled like Host is no Host', 'GET /hello HTTP/1.1\r\nHosx: a\r\nXost: a\r\n\r\n', 400, 'ERR_MISSING_HOST'],
  ['bare LF line endings are 400', 'GET /hello HTTP/1.1\nHost: x\n\n', 400, 'ERR_BAD_REQUEST'],
  ['a NUL in the target is 400', 'GET /hel\0lo HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'ERR_BAD_REQUEST'],
  ['a NUL in a header value is 400', 'GET /hello HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n', 400, 'ERR_BAD_REQUEST'],
  ['obsolete line folding is 400', 'GET /hello HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n', 400, 'ERR_BAD_REQUEST'],
  [
    'Content-Length with Transfer-Encoding is 400 (smuggling)',
    'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    400,
    'ERR_BAD_REQUEST',
  ],
  ['two different Content-Length are 400', 'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd', 400, 'ERR_BAD_REQUEST'],
  ['an oversized header is 431', `GET /hello HTTP/1.1\r\nHost: x\r\nX-A: ${'a'.repeat(20_000)}\r\n\r\n`, 431, 'ERR_HEADERS_TOO_LARGE'],
  [
    'more than 100 header fields are 431',
    `GET /hello HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 150 }, (_, i) => `X-H${i}: v`).join('\r\n')}\r\n\r\n`,
    431,
    // Node 20 hands the request over (weir counts the fields); Node 24's parser stops it as an overflow.
    'ERR_TOO_MANY_HEADERS|ERR_HEADERS_TOO_LARGE',
  ],
]

describe('hostile: protocol', () => {
  for (const [name, request, status, code] of CASES) {
    it(name, async () => {
      const r = await exchange(app.port!, request)
      assert.equal(statusOf(r.text), status, r.text.slice(0, 200))
      if (code) assert.match(r.text, new RegExp(code))
      assert.ok(r.closed, 'the connection is closed after a protocol error')
    })
  }

  it('a HEAD refused by the parser gets the headers of the answer and no body', async () => {
    const r = await exchange(app.port!, Buffer.from('HEAD /日本 HTTP/1.1\r\nHost: x\r\n\r\n'))
    assert.equal(statusOf(r.text), 400, r.text)
    assert.match(r.text, /Content-Length: \d+\r\n/)
    assert.ok(r.text.endsWith('\r\n\r\n'), `no body after the head: ${JSON.stringify(r.text)}`)
    assert.ok(r.closed)
  })

  it('a HEAD without a version gets 400 with the headers of the answer and no body', async () => {
    const r = await exchange(app.port!, 'HEAD /hello\r\n\r\n')
    assert.equal(statusOf(r.text), 400, r.text)
    assert.ok(r.text.endsWith('\r\n\r\n'), `no body after the head: ${JSON.stringify(r.text)}`)
    assert.ok(r.closed)
  })

  it('serves an HTTP/1.0 request without Host (only HTTP/1.1 requires one)', async () => {
    const r = await exchange(app.port!, 'GET /hello HTTP/1.0\r\n\r\n')
    assert.equal(statusOf(r.text), 200, r.text.slice(0, 200))
    assert.match(r.text, /"hello":"world"/)
  })

  it('still answers normally after all of the above', async () => {
    const res = await fetch(`http://127.0.0.1:${app.port}/hello`)
    assert.deepEqual(await res.json(), { hello: 'world' })
  })
})

describe('hostile: slow senders', () => {
  it('cuts a slowloris sender at headersTimeout with 408, long before Node’s own check interval', async () => {
    const slow = await serve((a) => a.get('/hello', () => 'hi'), { server: { headersTimeout: 300, connectionsCheckingInterval: 100 } })
    try {
      // 42 lines 100 ms apart, never the blank line: only the server can end this, by cutting it mid-drip.
      const drip = ['GET /hello HTTP/1.1\r\n', 'Host: x\r\n', ...Array.from({ length: 40 }, (_, i) => `X-Drip-${i}: 1\r\n`)]
      const r = await exchange(slow.port!, drip, 30_000, 100)
      assert.equal(statusOf(r.text), 408, r.text)
      assert.match(r.text, /ERR_REQUEST_TIMEOUT/)
      assert.ok(r.closed, 'the server closed the connection')
      assert.ok(r.sent < drip.length, `cut after ${r.sent} of ${drip.length} lines`)
    } finally {
      await slow.close({ timeout: 100 })
    }
  })
})
