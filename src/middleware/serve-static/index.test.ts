import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { brotliCompressSync, gzipSync } from 'node:zlib'
import { after, before, describe, it } from 'node:test'
import { type App, createApp } from '../../index.js'
import { consoleLogger } from '../../utils/console-logger.js'
import { type ServeStaticOptions, serveStatic } from './index.js'

const dir = mkdtempSync(join(tmpdir(), 'weir-static-'))
const pub = join(dir, 'public')
const priv = join(dir, 'private')
mkdirSync(join(pub, 'sub'), { recursive: true })
mkdirSync(join(pub, 'docs'))
mkdirSync(join(pub, '.git'))
mkdirSync(join(pub, 'evil.example'))
mkdirSync(priv)
const js = 'console.log("hello weir")\n'.repeat(50)
writeFileSync(join(pub, 'index.html'), '<h1>home</h1>')
writeFileSync(join(pub, 'style.css'), 'body { color: red }')
writeFileSync(join(pub, 'about.html'), '<h1>about</h1>')
writeFileSync(join(pub, 'notes.md'), '# notes')
writeFileSync(join(pub, '404.html'), '<h1>not here</h1>')
writeFileSync(join(pub, 'app.js'), js)
writeFileSync(join(pub, 'app.js.br'), brotliCompressSync(js))
writeFileSync(join(pub, 'app.js.gz'), gzipSync(js))
writeFileSync(join(pub, 'only-gz.txt'), 'plain')
writeFileSync(join(pub, 'only-gz.txt.gz'), gzipSync('plain'))
writeFileSync(join(pub, 'sub', 'index.html'), '<h1>sub</h1>')
writeFileSync(join(pub, 'docs', 'readme.txt'), 'no index here')
writeFileSync(join(pub, 'evil.example', 'index.html'), 'evil dir')
writeFileSync(join(pub, '.env'), 'SECRET=dotenv')
writeFileSync(join(pub, '.git', 'config'), 'SECRET=git')
writeFileSync(join(pub, 'image.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]))
writeFileSync(join(priv, 'secret.txt'), 'SECRET=private')
symlinkSync(join(pub, 'style.css'), join(pub, 'link-in.css'))
symlinkSync(join(priv, 'secret.txt'), join(pub, 'link-out.txt'))
symlinkSync(priv, join(pub, 'dir-out'))
after(() => rmSync(dir, { recursive: true, force: true }))

function make(options: ServeStaticOptions = {}, root = pub): App {
  const app = createApp({ mode: 'test', logger: consoleLogger('silent') })
  app.use(serveStatic(root, options))
  app.get('/api/hello', () => ({ hello: 'world' }))
  return app
}

describe('serveStatic: serving', () => {
  const app = make()

  it('serves a file with type from mime-types, validators and length; passes other paths through', async () => {
    const res = await app.request('/style.css')
    assert.equal(res.status, 200)
    assert.equal(res.headers.get('content-type'), 'text/css; charset=utf-8')
    assert.equal(res.headers.get('content-length'), '19')
    assert.ok(res.headers.get('etag') && res.headers.get('last-modified'))
    assert.equal(await res.text(), 'body { color: red }')
    assert.deepEqual(await (await app.request('/api/hello')).json(), { hello: 'world' })
    assert.equal((await app.request('/missing.txt')).status, 404)
  })

  it('serves index.html for / and a directory with a slash; redirects a directory without one (301, query kept)', async () => {
    assert.equal(await (await app.request('/')).text(), '<h1>home</h1>')
    assert.equal(await (await app.request('/sub/')).text(), '<h1>sub</h1>')
    const moved = await app.request('/sub?x=1')
    assert.equal(moved.status, 301)
    assert.equal(moved.headers.get('location'), '/sub/?x=1')
    assert.equal((await app.request('/docs/')).status, 404, 'a directory without an index is not listed')
  })

  it('never redirects to a protocol-relative location (//evil.example)', async () => {
    const moved = await app.request('//evil.example')
    assert.equal(moved.status, 301)
    assert.equal(moved.headers.get('location'), '/evil.example/')
  })

  it('HEAD: headers with the file length, no body', async () => {
    const res = await app.request('/style.css', { method: 'HEAD' })
    assert.deepEqual([res.status, res.headers.get('content-length'), await res.text()], [200, '19', ''])
  })

  it('conditional GET (304) and ranges (206, 416)', async () => {
    const etag = (await app.request('/app.js')).headers.get('etag')!
    assert.equal((await app.request('/app.js', { headers: { 'if-none-match': etag } })).status, 304)
    const part = await app.request('/app.js', { headers: { range: 'bytes=0-6' } })
    assert.deepEqual([part.status, part.headers.get('content-range'), await part.text()], [206, `bytes 0-6/${js.length}`, 'console'])
    const bad = await app.request('/app.js', { headers: { range: 'bytes=99999-' } })
    assert.deepEqual([bad.status, bad.headers.get('content-range')], [416, `bytes */${js.length}`])
  })

  it('Cache-Control from maxAge and immutable', async () => {
    const res = await make({ maxAge: 31_536_000, immutable: true }).request('/style.css')
    assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable')
  })

  it('only GET and HEAD; other methods pass through', async () => {
    assert.equal((await app.request('/style.css', { method: 'POST' })).status, 404)
  })

  it('prefix: maps /static/* to the root and ignores everything else', async () => {
    const a = make({ prefix: '/static' })
    assert.equal(await (await a.request('/static/style.css')).text(), 'body { color: red }')
    assert.equal((await a.request('/style.css')).status, 404)
    assert.equal((await a.request('/staticstyle.css')).status, 404)
    assert.equal((await a.request('/static')).headers.get('location'), '/static/')
  })

  it('fallthrough: false answers 404 ERR_FILE_NOT_FOUND itself', async () => {
    const res = await make({ fallthrough: false }).request('/api/hello', { headers: { accept: 'application/json' } })
    assert.equal(res.status, 404)
    assert.equal((await res.json()).code, 'ERR_FILE_NOT_FOUND')
  })

  it('headers() adjusts the headers of a file; skip() bypasses the middleware', async () => {
    const a = make({ headers: (c, file) => void (file.endsWith('.css') && c.header('x-kind', 'css')), skip: (c) => c.req.path === '/index.html' })
    assert.equal((await a.request('/style.css')).headers.get('x-kind'), 'css')
    assert.equal((await a.request('/index.html')).status, 404)
  })
})

describe('serveStatic: trailing slashes, error pages, extensions', () => {
  it('404 for a file asked with a trailing slash (it names a directory)', async () => {
    for (const o of [{}, { fallthrough: false }]) {
      const res = await make(o).request('/style.css/')
      assert.equal(res.status, 404)
      assert.ok(!(await res.text()).includes('color: red'))
    }
    assert.equal((await make().request('/style.css/.')).status, 404)
  })

  it('keeps a status set before it (a file as the 404 page); Range and conditions do not apply to it', async () => {
    const app = createApp({ mode: 'test', logger: consoleLogger('silent') })
    app.use((c, next) => {
      if (c.req.path === '/404.html') c.status(404)
      return next()
    })
    app.use(serveStatic(pub))
    const etag = (await make().request('/404.html')).headers.get('etag')!
    const res = await app.request('/404.html', { headers: { 'if-none-match': etag, range: 'bytes=0-2' } })
    assert.deepEqual([res.status, res.headers.get('etag'), res.headers.get('accept-ranges'), await res.text()], [404, null, null, '<h1>not here</h1>'])
  })

  it("extensions: ['html'] serves /about from about.html when /about does not exist", async () => {
    const app = make({ extensions: ['html', '.md'] })
    const about = await app.request('/about')
    assert.deepEqual([about.status, about.headers.get('content-type'), await about.text()], [200, 'text/html; charset=utf-8', '<h1>about</h1>'])
    assert.equal(await (await app.request('/notes')).text(), '# notes', 'tried in order, a leading dot is allowed')
    assert.equal((await app.request('/about/')).status, 404, 'not for a path with a trailing slash')
    assert.equal((await app.request('/about.txt')).status, 404, 'not for a path that has an extension')
    assert.equal((await app.request('/sub')).status, 301, 'a directory wins over a file with an extension added')
    assert.equal((await make().request('/about')).status, 404, 'off by default')
  })

  it('the headers() hook cannot put representation metadata back on a 304', async () => {
    const app = make({ headers: (c) => void c.header('content-language', 'en').header('vary', 'Accept-Language') })
    const etag = (await app.request('/style.css')).headers.get('etag')!
    const res = await app.request('/style.css', { headers: { 'if-none-match': etag } })
    assert.deepEqual([res.status, res.headers.get('content-language'), res.headers.get('vary')], [304, null, 'Accept-Language'])
  })
})

describe('serveStatic: precompressed siblings', () => {
  const app = make({ precompressed: true })

  it('serves .br when accepted (preferred on ties), .gz otherwise, the file itself when neither is', async () => {
    const br = await app.request('/app.js', { headers: { 'accept-encoding': 'gzip, br' } })
    assert.equal(br.headers.get('content-encoding'), 'br')
    assert.equal(br.headers.get('content-type'), 'text/javascript; charset=utf-8')
    assert.equal(br.headers.get('vary'), 'Accept-Encoding')
    const gz = await app.request('/app.js', { headers: { 'accept-encoding': 'gzip, br;q=0.5' } })
    assert.equal(gz.headers.get('content-encoding'), 'gzip')
    const plain = await app.request('/app.js', { headers: { 'accept-encoding': 'identity' } })
    assert.equal(plain.headers.get('content-encoding'), null)
    assert.equal(await plain.text(), js)
    assert.equal(plain.headers.get('vary'), 'Accept-Encoding')
    assert.notEqual(br.headers.get('etag'), plain.headers.get('etag'), 'each representation has its own ETag')
  })

  it('falls back to the next accepted coding when a sibling is missing', async () => {
    const res = await app.request('/only-gz.txt', { headers: { 'accept-encoding': 'br, gzip' } })
    assert.equal(res.headers.get('content-encoding'), 'gzip')
  })
})

describe('serveStatic: options are checked when built', () => {
  it('throws TypeError for a missing root and bad options', () => {
    assert.throws(() => serveStatic(join(dir, 'nope')), TypeError)
    assert.throws(() => serveStatic(join(pub, 'style.css')), TypeError)
    assert.throws(() => serveStatic(pub, { prefix: 'static' }), TypeError)
    assert.throws(() => serveStatic(pub, { index: ['a/b.html'] }), TypeError)
    assert.throws(() => serveStatic(pub, { precompressed: ['zstd' as 'br'] }), TypeError)
    assert.throws(() => serveStatic(pub, { dotfiles: 'show' as 'allow' }), TypeError)
    assert.throws(() => serveStatic(pub, { maxAge: -1 }), TypeError)
  })

  it('throws a TypeError naming extensions for a bad list', () => {
    const bad = [['a/b'], [''], ['..'], 'html', [42], ['h tml']] as unknown as ServeStaticOptions['extensions'][]
    for (const extensions of bad) assert.throws(() => serveStatic(pub, { extensions }), /extensions/, JSON.stringify(extensions))
    assert.doesNotThrow(() => serveStatic(pub, { extensions: false }))
  })
})

/** Sends a request line verbatim over a socket (no client-side normalisation) and returns the answer. */
function raw(port: number, target: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1')
    let out = ''
    s.on('data', (d) => {
      out += d.toString('latin1')
    })
    s.on('end', () => resolve(out))
    s.on('error', reject)
    s.write(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`)
  })
}

describe('serveStatic: traversal is impossible (raw requests)', () => {
  let app: App
  let port: number
  before(async () => {
    app = make()
    await app.listen({ port: 0 })
    port = app.port!
  })
  after(() => app.close({ timeout: 100 }))

  const cases: Array<[string, string, number]> = [
    ['dot-dot', '/../private/secret.txt', 403],
    ['dot-dot deeper', '/sub/../../private/secret.txt', 403],
    ['encoded dots', '/%2e%2e/private/secret.txt', 403],
    ['encoded dots and slash', '/%2e%2e%2fprivate%2fsecret.txt', 403],
    ['mixed case encoding', '/%2E%2e/private/secret.txt', 403],
    ['double-encoded dots (decoded once: a literal "%2e%2e" name)', '/%252e%252e/private/secret.txt', 404],
    ['double-encoded slash', '/..%252fprivate%252fsecret.txt', 404],
    ['backslash', '/..\\private\\secret.txt', 403],
    ['encoded backslash', '/..%5cprivate%5csecret.txt', 403],
    ['NUL', '/style.css%00.txt', 400],
    ['malformed escape', '/%E0%A4%A', 400],
    ['absolute path', '//etc/passwd', 404],
    ['encoded absolute path', '/%2Fetc%2Fpasswd', 404],
    ['absolute-form target', 'http://x/../private/secret.txt', 404],
    ['dotfile', '/.env', 404],
    ['dot directory', '/.git/config', 404],
    ['encoded dotfile', '/%2eenv', 404],
    ['symlink to a file outside', '/link-out.txt', 404],
    ['symlink to a directory outside', '/dir-out/secret.txt', 404],
  ]
  for (const [name, target, status] of cases) {
    it(`${name}: ${target} → ${status}, nothing leaked`, async () => {
      const out = await raw(port, target)
      assert.match(out, new RegExp(`^HTTP/1\\.1 ${status} `), out.slice(0, 200))
      assert.doesNotMatch(out, /SECRET|root:/)
    })
  }

  it('serves a symlink that stays inside the root', async () => {
    assert.match(await raw(port, '/link-in.css'), /^HTTP\/1\.1 200 [\s\S]*color: red/)
  })

  it("dotfiles: 'deny' answers 403; 'allow' serves them", async () => {
    assert.equal((await make({ dotfiles: 'deny' }).request('/.env')).status, 403)
    assert.equal(await (await make({ dotfiles: 'allow' }).request('/.env')).text(), 'SECRET=dotenv')
  })

  it('followSymlinks: true follows links out of the root', async () => {
    assert.equal(await (await make({ followSymlinks: true }).request('/link-out.txt')).text(), 'SECRET=private')
  })
})
