import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { type App, type Context, createApp } from '../index.js'
import { consoleLogger } from '../utils/console-logger.js'

const dir = mkdtempSync(join(tmpdir(), 'weir-file-'))
after(() => rmSync(dir, { recursive: true, force: true }))
const root = join(dir, 'root')
mkdirSync(join(root, 'sub'), { recursive: true })
const text = 'hello file\n'.repeat(100) // 1100 bytes
writeFileSync(join(root, 'a.txt'), text)
writeFileSync(join(root, 'page.html'), '<p>hi</p>')
writeFileSync(join(root, 'data.unknownext'), 'x')
writeFileSync(join(root, 'empty.txt'), '')
writeFileSync(join(root, '.env'), 'SECRET=1')
writeFileSync(join(dir, 'outside.txt'), 'outside')
symlinkSync(join(dir, 'outside.txt'), join(root, 'out-link'))

function app(handler: (c: Context) => unknown): App {
  const a = createApp({ mode: 'test', logger: consoleLogger('silent') })
  a.get('/f', handler)
  a.get('/in/*path', (c) => c.file(c.params.path, { root }))
  return a
}

const get = (a: App, headers: Record<string, string> = {}, path = '/f', method = 'GET') => a.request(path, { method, headers })

describe('c.file(): the response', () => {
  const a = app((c) => c.file(join(root, 'a.txt')))

  it('sends type by extension, length, strong ETag, Last-Modified, Accept-Ranges and a revalidating Cache-Control', async () => {
    const res = await get(a)
    assert.equal(res.status, 200)
    assert.equal(res.headers.get('content-type'), 'text/plain; charset=utf-8')
    assert.equal(res.headers.get('content-length'), '1100')
    assert.match(res.headers.get('etag')!, /^"44c-[0-9a-f]+"$/)
    assert.ok(Date.parse(res.headers.get('last-modified')!) > 0)
    assert.equal(res.headers.get('accept-ranges'), 'bytes')
    assert.equal(res.headers.get('cache-control'), 'public, max-age=0')
    assert.equal(await res.text(), text)
  })

  it('types: built-in table, octet-stream for unknown extensions, or the type given', async () => {
    assert.equal((await get(app((c) => c.file(join(root, 'page.html'))))).headers.get('content-type'), 'text/html; charset=utf-8')
    assert.equal((await get(app((c) => c.file(join(root, 'data.unknownext'))))).headers.get('content-type'), 'application/octet-stream')
    assert.equal((await get(app((c) => c.file(join(root, 'a.txt'), { type: 'text/x-log' })))).headers.get('content-type'), 'text/x-log')
  })

  it('Cache-Control from maxAge and immutable, a given value, or none', async () => {
    const cc = async (o: object) => (await get(app((c) => c.file(join(root, 'a.txt'), o)))).headers.get('cache-control')
    assert.equal(await cc({ maxAge: 3600, immutable: true }), 'public, max-age=3600, immutable')
    assert.equal(await cc({ cacheControl: 'no-store' }), 'no-store')
    assert.equal(await cc({ cacheControl: false }), null)
  })

  it('download: attachment with the file name, a name given (UTF-8 safe), or inline by default', async () => {
    const cd = async (o: object) => (await get(app((c) => c.file(join(root, 'a.txt'), o)))).headers.get('content-disposition')
    assert.equal(await cd({}), null)
    assert.equal(await cd({ download: true }), 'attachment; filename="a.txt"')
    assert.equal(await cd({ download: 'Überblick 2026.txt' }), `attachment; filename="?berblick 2026.txt"; filename*=UTF-8''%C3%9Cberblick%202026.txt`)
    const res = await get(app((c) => c.file(join(root, 'a.txt'), { download: 'x.txt' })))
    assert.equal(await res.text(), text, 'the body is unchanged')
  })

  it('answers 304 to a matching If-None-Match or a later If-Modified-Since, without representation headers', async () => {
    const first = await get(a)
    const etag = first.headers.get('etag')!
    const byTag = await get(a, { 'if-none-match': etag })
    assert.equal(byTag.status, 304)
    assert.equal(byTag.headers.get('etag'), etag)
    assert.equal(byTag.headers.get('content-type'), null)
    assert.equal(await byTag.text(), '')
    const byDate = await get(a, { 'if-modified-since': first.headers.get('last-modified')! })
    assert.equal(byDate.status, 304)
    assert.equal((await get(a, { 'if-none-match': '"other"' })).status, 200)
  })

  it('a 304 keeps Cache-Control, Content-Location, ETag, Expires and Vary, and drops Content-Language (RFC 9110 §15.4.5)', async () => {
    const b = app((c) => {
      c.header('vary', 'Accept-Language').header('content-language', 'en').header('content-location', '/f.txt').header('expires', 'Thu, 01 Jan 2099 00:00:00 GMT')
      return c.file(join(root, 'a.txt'), { maxAge: 60 })
    })
    const etag = (await get(b)).headers.get('etag')!
    const res = await get(b, { 'if-none-match': etag })
    assert.equal(res.status, 304)
    assert.deepEqual(
      ['etag', 'cache-control', 'content-location', 'expires', 'vary'].map((h) => res.headers.get(h)),
      [etag, 'public, max-age=60', '/f.txt', 'Thu, 01 Jan 2099 00:00:00 GMT', 'Accept-Language'],
    )
    const dropped = ['content-language', 'content-type', 'content-length', 'accept-ranges', 'last-modified']
    assert.deepEqual(dropped.map((h) => res.headers.get(h)), dropped.map(() => null))
  })

  it('answers 412 ERR_PRECONDITION_FAILED when If-Match does not match', async () => {
    const res = await get(a, { 'if-match': '"nope"', accept: 'application/json' })
    assert.equal(res.status, 412)
    assert.equal((await res.json()).code, 'ERR_PRECONDITION_FAILED')
  })
})

describe('c.file(): ranges', () => {
  const a = app((c) => c.file(join(root, 'a.txt')))

  const cases: Array<[string, number, string | null, string]> = [
    ['bytes=0-4', 206, 'bytes 0-4/1100', 'hello'],
    ['bytes=-5', 206, 'bytes 1095-1099/1100', 'file\n'],
    ['bytes=1096-5000', 206, 'bytes 1096-1099/1100', 'ile\n'],
    ['bytes=0-4,3-9', 206, 'bytes 0-9/1100', 'hello file'],
    ['bytes=0-1,10-11', 200, null, text],
    ['bytes=x-y', 200, null, text],
    ['items=0-1', 200, null, text],
  ]
  for (const [range, status, contentRange, body] of cases) {
    it(`${range} → ${status}`, async () => {
      const res = await get(a, { range })
      assert.equal(res.status, status)
      assert.equal(res.headers.get('content-range'), contentRange)
      assert.equal(res.headers.get('content-length'), String(Buffer.byteLength(body)))
      assert.equal(await res.text(), body)
    })
  }

  it('answers 416 ERR_RANGE_NOT_SATISFIABLE with Content-Range: bytes */size', async () => {
    const res = await get(a, { range: 'bytes=5000-', accept: 'application/json' })
    assert.equal(res.status, 416)
    assert.equal(res.headers.get('content-range'), 'bytes */1100')
    assert.equal((await res.json()).code, 'ERR_RANGE_NOT_SATISFIABLE')
  })

  it('honours If-Range only when it matches; otherwise sends everything', async () => {
    const etag = (await get(a)).headers.get('etag')!
    assert.equal((await get(a, { range: 'bytes=0-4', 'if-range': etag })).status, 206)
    assert.equal((await get(a, { range: 'bytes=0-4', 'if-range': '"stale"' })).status, 200)
  })

  it('ignores Range when ranges: false', async () => {
    const res = await get(app((c) => c.file(join(root, 'a.txt'), { ranges: false })), { range: 'bytes=0-4' })
    assert.equal(res.status, 200)
    assert.equal(res.headers.get('accept-ranges'), null)
  })
})

describe('c.file(): opening lazily, failing cleanly', () => {
  it('HEAD sends the headers and never opens the file', async () => {
    const path = join(root, 'gone-before-read.txt')
    const a = createApp({ mode: 'test', logger: consoleLogger('silent') })
    a.use(async (_c, next) => {
      writeFileSync(path, '12345')
      await next()
      unlinkSync(path) // gone before respond: only a body that is never read survives this
    })
    a.get('/', (c) => c.file(path))
    const head = await a.request('/', { method: 'HEAD' })
    assert.equal(head.status, 200)
    assert.equal(head.headers.get('content-length'), '5')
    assert.equal(await head.text(), '')
    // A GET does open it, finds it gone, and — nothing sent yet — answers 404 instead of a broken 200.
    const get = await a.request('/', { headers: { accept: 'application/json' } })
    assert.equal(get.status, 404)
    assert.equal(((await get.json()) as { code: string }).code, 'ERR_FILE_NOT_FOUND')
  })

  it('a file that shrinks while being sent ends the response broken (ERR_FILE_CHANGED)', async () => {
    const path = join(root, 'shrinks.txt')
    writeFileSync(path, 'x'.repeat(200_000))
    const a = createApp({ mode: 'test', logger: consoleLogger('silent') })
    a.use(async (_c, next) => {
      await next()
      truncateSync(path, 10)
    })
    a.get('/', (c) => c.file(path))
    await assert.rejects(a.request('/').then((r) => r.text()))
  })

  it('404 ERR_FILE_NOT_FOUND for a missing file or a directory; an empty file is a 200 with length 0', async () => {
    for (const p of [join(root, 'missing.txt'), join(root, 'sub')]) {
      const res = await get(app((c) => c.file(p)), { accept: 'application/json' })
      assert.equal(res.status, 404)
      assert.equal((await res.json()).code, 'ERR_FILE_NOT_FOUND')
    }
    const empty = await get(app((c) => c.file(join(root, 'empty.txt'))))
    assert.deepEqual([empty.status, empty.headers.get('content-length'), await empty.text()], [200, '0', ''])
  })
})

describe('c.file(): a status set before it', () => {
  it('keeps a 404 set before it: the file is the body of the error page', async () => {
    const a = app((c) => {
      c.status(404)
      return c.file(join(root, 'page.html'))
    })
    const res = await get(a)
    assert.deepEqual([res.status, res.headers.get('content-type'), await res.text()], [404, 'text/html; charset=utf-8', '<p>hi</p>'])
  })

  it('a non-2xx status ignores Range and conditions, and sends no validators or Accept-Ranges (RFC 9110 §13.2.1)', async () => {
    const a = app((c) => {
      c.status(404)
      return c.file(join(root, 'a.txt'))
    })
    const etag = (await get(app((c) => c.file(join(root, 'a.txt'))))).headers.get('etag')!
    for (const headers of [{ range: 'bytes=0-4' }, { 'if-none-match': etag }, { 'if-match': '"other"' }, { range: 'bytes=5000-' }] as Array<Record<string, string>>) {
      const res = await get(a, headers)
      assert.equal(res.status, 404, JSON.stringify(headers))
      assert.equal(res.headers.get('content-length'), '1100')
      assert.deepEqual(['etag', 'last-modified', 'accept-ranges', 'content-range'].map((h) => res.headers.get(h)), [null, null, null, null])
      assert.equal(await res.text(), text)
    }
  })

  it('another 2xx is kept and still checked for preconditions, but not turned into a 304 or a 206', async () => {
    const a = app((c) => {
      c.status(203)
      return c.file(join(root, 'a.txt'))
    })
    const etag = (await get(a)).headers.get('etag')!
    assert.equal((await get(a, { 'if-none-match': etag })).status, 203)
    assert.equal((await get(a, { range: 'bytes=0-4' })).status, 203)
    assert.equal((await get(a, { 'if-match': '"other"' })).status, 412)
  })
})

describe('c.file(): a trailing slash names a directory', () => {
  it('404 for a file asked with a trailing slash, with or without root', async () => {
    for (const res of [await app(() => null).request('/in/a.txt/'), await get(app((c) => c.file(`${join(root, 'a.txt')}/`)))]) {
      assert.equal(res.status, 404)
      assert.ok(!(await res.text()).includes('hello file'))
    }
    assert.equal((await app(() => null).request('/in/a.txt/.')).status, 404)
  })
})

describe('c.file(path, { root }): user paths cannot leave the root', () => {
  const a = app(() => null)
  const cases: Array<[string, number]> = [
    ['/in/a.txt', 200],
    ['/in/sub/../a.txt', 403],
    ['/in/%2e%2e/outside.txt', 403],
    ['/in/..%2foutside.txt', 403],
    ['/in/..%5coutside.txt', 403],
    ['/in/a.txt%00.png', 400],
    ['/in/.env', 404],
    ['/in/out-link', 404],
    ['/in/%2Fetc%2Fpasswd', 404],
  ]
  for (const [path, status] of cases) {
    it(`${path} → ${status}`, async () => {
      const res = await a.request(path)
      assert.equal(res.status, status)
      const body = await res.text()
      assert.ok(!body.includes('outside') && !body.includes('SECRET') && !body.includes('root:'), body)
    })
  }
})
