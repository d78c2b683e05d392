// Hostile paths against the idiomatic app: broken and oversized parameters, static traversal in every
// encoding, dotfiles, symlinks out of the root, unsatisfiable ranges. Raw sockets: no client normalises.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { BIG_SIZE, DOTFILE_SECRET, OUTSIDE_SECRET } from './app.js'
import { type Hostile, answered, assertHealthy, exchange, startHostile, statusOf } from './helpers.js'

const T = { timeout: 60_000 }

let h: Hostile
before(async () => {
  h = await startHostile()
})
after(() => h.close())

/** One GET (or `method`) of a raw target; resolves with the whole response text. */
async function get(target: string, extra = '', method = 'GET'): Promise<string> {
  const r = await exchange(h.port, `${method} ${target} HTTP/1.1\r\nHost: x\r\n${extra}\r\n`, 20_000, 0, method === 'HEAD' ? (t) => t.includes('\r\n\r\n') : answered)
  return r.text
}
const bodyOf = (text: string) => Buffer.from(text.slice(text.indexOf('\r\n\r\n') + 4), 'latin1').toString('utf8')
const codeOf = (text: string) => /"code":"([A-Z_]+)"/.exec(text)?.[1] ?? ''

describe('hostile: path parameters', () => {
  const CASES: Array<[target: string, status: number, code: string]> = [
    ['/users/%E0%A4%A', 400, 'ERR_BAD_PERCENT_ENCODING'],
    ['/users/%zz', 400, 'ERR_BAD_PERCENT_ENCODING'],
    ['/users/%', 400, 'ERR_BAD_PERCENT_ENCODING'],
    ['/users/abc%2', 400, 'ERR_BAD_PERCENT_ENCODING'],
    ['/users/%C0%AF', 400, 'ERR_BAD_PERCENT_ENCODING'], // overlong UTF-8 for "/"
    ['/users/%ED%A0%80', 400, 'ERR_BAD_PERCENT_ENCODING'], // a lone surrogate
    [`/users/${'a'.repeat(501)}`, 414, 'ERR_PARAM_TOO_LONG'],
    [`/users/${'%41'.repeat(200)}`, 414, 'ERR_PARAM_TOO_LONG'], // 600 raw characters, 200 decoded
    [`/users/${'a'.repeat(8000)}`, 414, 'ERR_PARAM_TOO_LONG'],
  ]
  for (const [target, status, code] of CASES) {
    it(`${target.length > 40 ? `${target.slice(0, 30)}… (${target.length} chars)` : target} → ${status} ${code}, never the handler`, T, async () => {
      const text = await get(target)
      assert.equal(statusOf(text), status, text.slice(0, 300))
      assert.equal(codeOf(text), code)
      assert.doesNotMatch(bodyOf(text), /"id"/, 'the handler did not run')
      // The refusal passes the global middleware: the request id (and the access log) see it.
      assert.match(text, /\r\nx-request-id: \S+/i)
    })
  }

  it('well-formed escapes are decoded once (the control case)', T, async () => {
    assert.equal(bodyOf(await get('/users/caf%C3%A9')), '{"id":"café"}')
    assert.equal(bodyOf(await get('/users/a%2Fb')), '{"id":"a/b"}')
    assert.equal(bodyOf(await get('/users/%2525')), '{"id":"%25"}')
    assert.equal(bodyOf(await get(`/users/${'a'.repeat(500)}`)), `{"id":"${'a'.repeat(500)}"}`)
  })
})

describe('hostile: static traversal never serves a file outside the root', () => {
  // [target, status, code]: each must also never carry the outside file, /etc/passwd or a dotfile.
  const CASES: Array<[target: string, status: number, code: string]> = [
    ['/static/../outside/secret.txt', 403, 'ERR_STATIC_FORBIDDEN'],
    ['/static/../../../../../../etc/passwd', 403, 'ERR_STATIC_FORBIDDEN'],
    ['/static/css/../../outside/secret.txt', 403, 'ERR_STATIC_FORBIDDEN'],
    ['/static/%2e%2e/outside/secret.txt', 403, 'ERR_STATIC_FORBIDDEN'],
    ['/static/%2E%2e%2foutside%2fsecret.txt', 403, 'ERR_STATIC_FORBIDDEN'],
    ['/static/..%2foutside%2fsecret.txt', 403, 'ERR_STATIC_FORBIDDEN'],
    ['/static/..%2F..%2F..%2Fetc%2Fpasswd', 403, 'ERR_STATIC_FORBIDDEN'],
    ['/static/%252e%252e/outside/secret.txt', 404, 'ERR_NOT_FOUND'], // decoded once: a literal "%2e%2e" name
    ['/static/%252e%252e%252foutside%252fsecret.txt', 404, 'ERR_NOT_FOUND'],
    ['/static/%2e%2e%5coutside%5csecret.txt', 403, 'ERR_STATIC_FORBIDDEN'],
    ['/static/..\\outside\\secret.txt', 403, 'ERR_STATIC_FORBIDDEN'],
    ['/static/..%5c..%5cetc%5cpasswd', 403, 'ERR_STATIC_FORBIDDEN'],
    ['/static/a.txt%00.html', 400, 'ERR_STATIC_BAD_PATH'],
    ['/static/..%00/outside/secret.txt', 400, 'ERR_STATIC_BAD_PATH'],
    ['/static/%c0%ae%c0%ae/outside/secret.txt', 400, 'ERR_STATIC_BAD_PATH'], // overlong UTF-8 dots
    ['/static/%E0%A4%A', 400, 'ERR_STATIC_BAD_PATH'],
    ['/static//etc/passwd', 404, 'ERR_NOT_FOUND'], // joined under the root
    ['/static/%2Fetc%2Fpasswd', 404, 'ERR_NOT_FOUND'],
    ['//etc/passwd', 404, 'ERR_NOT_FOUND'],
    ['http://x/static/../outside/secret.txt', 404, 'ERR_NOT_FOUND'], // absolute form: dot segments resolved first
    ['/static/link-out.txt', 404, 'ERR_NOT_FOUND'], // a symlink to a file outside the root
    ['/static/dir-out/secret.txt', 404, 'ERR_NOT_FOUND'], // a symlink to a directory outside the root
  ]
  for (const [target, status, code] of CASES) {
    it(`${target} → ${status} ${code}`, T, async () => {
      const text = await get(target)
      assert.equal(statusOf(text), status, text.slice(0, 300))
      assert.equal(codeOf(text), code)
      assert.ok(!text.includes(OUTSIDE_SECRET), 'the outside file was served')
      assert.doesNotMatch(text, /root:x?:0:0/, '/etc/passwd was served')
      assert.ok(!text.includes(DOTFILE_SECRET), 'a dotfile was served')
    })
  }

  it('files inside the root are served (the control case)', T, async () => {
    assert.equal(bodyOf(await get('/static/a.txt')), 'hello from a.txt\n')
    assert.equal(bodyOf(await get('/static/css/site.css')), 'body { color: red }\n')
    assert.equal(bodyOf(await get('/static/')), '<h1>home</h1>\n')
    assert.match(await get('/static/css'), /^HTTP\/1\.1 301 [\s\S]*\r\nlocation: \/static\/css\/\r\n/i)
  })
})

describe('hostile: dotfiles', () => {
  const CASES: Array<[target: string, method: string]> = [
    ['/static/.env', 'GET'],
    ['/static/.env', 'HEAD'],
    ['/static/%2eenv', 'GET'],
    ['/static/.git/config', 'GET'],
    ['/static/.git/', 'GET'],
    ['/static/css/%2e%2fa/../.env', 'GET'],
  ]
  for (const [target, method] of CASES) {
    it(`${method} ${target} → 404 (as if absent; 403 when a ".." is in the path)`, T, async () => {
      const text = await get(target, '', method)
      const status = statusOf(text)
      assert.equal(status, target.includes('..') ? 403 : 404, text.slice(0, 300))
      assert.ok(!text.includes(DOTFILE_SECRET))
    })
  }
})

describe('hostile: ranges', () => {
  for (const range of [`bytes=${BIG_SIZE}-`, `bytes=${BIG_SIZE + 100}-${BIG_SIZE + 200}`, 'bytes=-0', 'bytes=5-2', `bytes=${BIG_SIZE}-${BIG_SIZE}, ${BIG_SIZE + 5}-`]) {
    it(`Range: ${range} → 416 ERR_RANGE_NOT_SATISFIABLE with Content-Range: bytes */${BIG_SIZE}`, T, async () => {
      const text = await get('/static/big.txt', `Range: ${range}\r\n`)
      assert.equal(statusOf(text), 416, text.slice(0, 300))
      assert.equal(codeOf(text), 'ERR_RANGE_NOT_SATISFIABLE')
      assert.match(text, new RegExp(`\\r\\ncontent-range: bytes \\*/${BIG_SIZE}\\r\\n`, 'i'))
    })
  }

  it('a satisfiable range is 206, a malformed one is ignored (the control cases)', T, async () => {
    const part = await get('/static/big.txt', 'Range: bytes=0-9\r\n')
    assert.equal(statusOf(part), 206)
    assert.match(part, new RegExp(`\\r\\ncontent-range: bytes 0-9/${BIG_SIZE}\\r\\n`, 'i'))
    assert.equal(bodyOf(part), 'b'.repeat(10))
    const whole = await get('/static/big.txt', 'Range: bytes=abc\r\n')
    assert.equal(statusOf(whole), 200)
    assert.equal(bodyOf(whole).length, BIG_SIZE)
  })
})

describe('hostile: routing — afterwards', () => {
  it('the server still answers /hello and its RSS is sane', T, async () => {
    await assertHealthy(h)
    assert.ok(!h.events.some((e) => e.category === 'recover' || e.category === 'unhandled'), 'no request reached a 500')
  })
})
