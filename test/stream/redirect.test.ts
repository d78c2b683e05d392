// c.redirect() with user-supplied URLs, checked on the wire: nothing a user sends can add a header line.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { GET, raw, start } from './helpers.js'

describe('c.redirect(): no header injection', () => {
  const attempts: Array<[string, string]> = [
    ['CRLF', '/a\r\nSet-Cookie: evil=1'],
    ['LF only', '/a\nSet-Cookie: evil=1'],
    ['CR only', '/a\rSet-Cookie: evil=1'],
    ['NUL', '/a\0b'],
    ['Unicode line separators', '/a\u2028\u2029\u0085b'],
    ['header folding', '/a\r\n Set-Cookie: evil=1'],
    ['a second response', '/a\r\n\r\nHTTP/1.1 200 OK\r\nSet-Cookie: evil=1\r\n\r\n'],
    ['lone surrogate', '/a\ud800b'],
  ]
  for (const [name, target] of attempts) {
    it(`${name}: one Location line, percent-encoded; no injected header`, async () => {
      const app = await start((a) => a.get('/go', (c) => c.redirect(target)))
      const out = await raw(app.port!, GET('/go', 'Connection: close\r\n'))
      const head = out.slice(0, out.indexOf('\r\n\r\n'))
      assert.match(head, /^HTTP\/1\.1 302 /)
      const fields = head.split('\r\n').slice(1)
      assert.ok(!fields.some((l) => /^set-cookie:/i.test(l)), 'no Set-Cookie line')
      assert.ok(!out.slice(head.length + 4).includes('HTTP/1.1'), 'no second response')
      const location = fields.filter((l) => /^location:/i.test(l))
      assert.equal(location.length, 1)
      assert.match(location[0]!, /^location: [\x21-\x7e]+$/i, 'visible ASCII only')
    })
  }

  it('keeps a valid URL as is, including existing escapes, and encodes non-ASCII as UTF-8', async () => {
    const app = await start((a) => a.get('/go', (c) => c.redirect(String(c.req.query.to))))
    const to = encodeURIComponent('https://example.com/a%20b?q=é#x')
    const out = await raw(app.port!, GET(`/go?to=${to}`, 'Connection: close\r\n'))
    assert.match(out, /\r\nlocation: https:\/\/example\.com\/a%20b\?q=%C3%A9#x\r\n/i)
  })
})
