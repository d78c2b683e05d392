// multipart/form-data through c.req.multipart(): fields, files in memory or streamed, limits, malformed bodies.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type App, type BodyLimits, type Context, createApp } from '../index.js'
import { consoleLogger } from '../utils/console-logger.js'

function app(limits?: BodyLimits): App {
  return createApp({ mode: 'test', logger: consoleLogger('silent'), limits })
}

function form(entries: Array<[string, string | Blob, string?]>): FormData {
  const f = new FormData()
  for (const [k, v, name] of entries) {
    if (typeof v === 'string') f.append(k, v)
    else f.append(k, v, name)
  }
  return f
}

async function run(a: App, handler: (c: Context) => Promise<unknown>, body: BodyInit, headers?: Record<string, string>) {
  a.post('/', handler)
  const res = await a.request('/', { method: 'POST', body, headers })
  return { status: res.status, body: await res.json() }
}

describe('multipart', () => {
  it('reads fields (repeated → array) and files into memory', async () => {
    const body = form([
      ['name', 'Ada'],
      ['tag', 'a'],
      ['tag', 'b'],
      ['doc', new Blob(['hello file'], { type: 'text/plain' }), 'notes été.txt'],
      ['empty', new Blob([]), 'empty.bin'],
    ])
    const { status, body: got } = await run(
      app(),
      async (c) => {
        const { fields, files } = await c.req.multipart()
        const again = await c.req.multipart()
        return {
          fields: { ...fields },
          files: files.map((f) => ({ field: f.field, filename: f.filename, type: f.type, text: Buffer.from(f.content).toString() })),
          cached: again.files === files,
          raw: (await c.req.bytes()).length > 0,
        }
      },
      body,
    )
    assert.equal(status, 200)
    assert.deepEqual(got, {
      fields: { name: 'Ada', tag: ['a', 'b'] },
      files: [
        { field: 'doc', filename: 'notes été.txt', type: 'text/plain', text: 'hello file' },
        { field: 'empty', filename: 'empty.bin', type: 'application/octet-stream', text: '' },
      ],
      cached: true,
      raw: true,
    })
  })

  it('streams files to onFile straight from the request; the body is then consumed', async () => {
    const body = form([
      ['a', new Blob(['x'.repeat(100_000)]), 'a.bin'],
      ['skipped', new Blob(['never read']), 'b.bin'],
      ['after', 'field after the files'],
    ])
    const { body: got } = await run(
      app(),
      async (c) => {
        const { fields, files } = await c.req.multipart({
          onFile: async (f) => {
            if (f.field === 'skipped') return 'drained' // not reading the stream must not stall the parse
            let n = 0
            for await (const part of f.stream) n += (part as Buffer).length
            return n
          },
        })
        const later = await c.req.text().catch((e: { code: string }) => e.code)
        return { fields: { ...fields }, contents: files.map((f) => f.content), later }
      },
      body,
    )
    assert.deepEqual(got, { fields: { after: 'field after the files' }, contents: [100_000, 'drained'], later: 'ERR_BODY_CONSUMED' })
  })

  it('onFile after the body was read streams from the kept bytes (and the body stays readable)', async () => {
    const { body: got } = await run(
      app(),
      async (c) => {
        const size = (await c.req.bytes()).length
        const { files } = await c.req.multipart({ onFile: async (f) => Buffer.concat(await f.stream.toArray()).toString() })
        return { contents: files.map((f) => f.content), same: (await c.req.bytes()).length === size }
      },
      form([['f', new Blob(['kept']), 'f.txt']]),
    )
    assert.deepEqual(got, { contents: ['kept'], same: true })
  })

  const limits: Array<[string, BodyLimits, Array<[string, string | Blob, string?]>, number, string]> = [
    ['more files than limits.files → 413', { files: 1 }, [['a', new Blob(['1']), 'a'], ['b', new Blob(['2']), 'b']], 413, 'ERR_BODY_TOO_MANY_FILES'],
    ['a file over limits.fileSize → 413', { fileSize: 10 }, [['a', new Blob(['x'.repeat(11)]), 'a']], 413, 'ERR_BODY_FILE_TOO_LARGE'],
    ['more fields than limits.fields → 413', { fields: 2 }, [['a', '1'], ['b', '2'], ['c', '3']], 413, 'ERR_BODY_TOO_MANY_FIELDS'],
    ['a field over limits.fieldSize → 413', { fieldSize: 5 }, [['a', '123456']], 413, 'ERR_BODY_FIELD_TOO_LARGE'],
    ['the whole body over limits.body → 413', { body: 100 }, [['a', new Blob(['x'.repeat(200)]), 'a']], 413, 'ERR_BODY_TOO_LARGE'],
  ]
  for (const [name, lim, entries, status, code] of limits) {
    it(name, async () => {
      const got = await run(app(lim), async (c) => (await c.req.multipart()).files.length, form(entries), { accept: 'application/json' })
      assert.deepEqual([got.status, got.body.code], [status, code])
    })
    it(`${name} (streamed with onFile)`, async () => {
      const got = await run(
        app(lim),
        async (c) => (await c.req.multipart({ onFile: async (f) => (await f.stream.toArray()).length })).files.length,
        form(entries),
      )
      assert.deepEqual([got.status, got.body.code], [status, code])
    })
  }

  it('a missing boundary or a truncated body is 400 ERR_BODY_INVALID_MULTIPART', async () => {
    const noBoundary = await run(app(), (c) => c.req.multipart(), 'x', { 'content-type': 'multipart/form-data' })
    assert.deepEqual([noBoundary.status, noBoundary.body.code], [400, 'ERR_BODY_INVALID_MULTIPART'])
    const truncated = '--b\r\ncontent-disposition: form-data; name="a"\r\n\r\nvalue without the closing boundary'
    const cut = await run(app(), (c) => c.req.multipart(), truncated, { 'content-type': 'multipart/form-data; boundary=b' })
    assert.deepEqual([cut.status, cut.body.code], [400, 'ERR_BODY_INVALID_MULTIPART'])
  })

  it('an error thrown by onFile is the error of the request (not a parse error)', async () => {
    const got = await run(
      app(),
      (c) =>
        c.req.multipart({
          onFile: () => {
            throw Object.assign(new Error('disk full'), { status: 507, expose: true, code: 'ERR_DISK_FULL' })
          },
        }),
      form([['a', new Blob(['x']), 'a']]),
    )
    assert.equal(got.body.message, 'disk full')
  })
})
