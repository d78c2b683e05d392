// A streamed body that fails before its first byte has sent nothing yet: it is answered as an error
// (onError, status, code), not with a 200 head that then breaks. Real sockets, raw HTTP.
import assert from 'node:assert/strict'
import { createReadStream } from 'node:fs'
import { Readable } from 'node:stream'
import { describe, it } from 'node:test'
import { HttpError } from '../../src/index.js'
import { compress } from '../../src/middleware/compress/index.js'
import { complete, statusOf } from '../hostile/helpers.js'
import { GET, open, raw, sleep, start, until } from './helpers.js'


describe('a stream that fails before its first byte', () => {
  it('a missing file piped as a stream is a complete 500 with a code, reported as a stream error', async () => {
    const events: string[] = []
    const app = await start((a) => {
      a.onEvent('error', (err, _c, category) => events.push(`${category} ${(err as { code?: string }).code}`))
      a.get('/file', (c) => c.header('content-type', 'text/plain').body(createReadStream('/nonexistent/weir-missing.log')))
    })
    const out = await raw(app.port!, GET('/file', 'Accept: application/json\r\nConnection: close\r\n'))
    assert.equal(statusOf(out), 500, out)
    assert.match(out, /"code":"ERR_INTERNAL"/)
    assert.doesNotMatch(out, /content-type: text\/plain/i, "the failed body's headers are gone")
    assert.ok(complete(out), 'a whole response, not a broken one')
    assert.deepEqual(events, ['stream ENOENT'])
  })

  it('an HttpError thrown before the first yield keeps its status and code', async () => {
    const app = await start((a) =>
      a.get('/report', () =>
        (async function* () {
          await sleep(5)
          throw new HttpError(404, 'No such report', { code: 'ERR_REPORT_NOT_FOUND' })
          // biome-ignore lint/correctness/noUnreachable: a generator that fails before its first chunk
          yield 'never'
        })(),
      ),
    )
    const out = await raw(app.port!, GET('/report', 'Accept: application/json\r\nConnection: close\r\n'))
    assert.equal(statusOf(out), 404, out)
    assert.ok(complete(out), out)
    assert.match(out, /"code":"ERR_REPORT_NOT_FOUND"/)
  })

  it("goes through the app's onError, whose answer is sent", async () => {
    const app = await start((a) => {
      a.onError((err, c) => c.json({ sorry: err.message }, 503))
      a.get('/s', () => new Readable({ read() { this.destroy(new Error('upstream down')) } }))
    })
    const out = await raw(app.port!, GET('/s', 'Connection: close\r\n'))
    assert.equal(statusOf(out), 503, out)
    assert.ok(complete(out), out)
    assert.match(out, /\{"sorry":"upstream down"\}/)
  })

  it('behind compress(): the error answer is sent uncompressed, without Content-Encoding', async () => {
    const app = await start((a) => {
      a.use(compress({ threshold: 0 }))
      a.get('/z', (c) =>
        c.header('content-type', 'text/plain').body(
          (async function* () {
            await sleep(5)
            throw new Error('broke first')
            // biome-ignore lint/correctness/noUnreachable: a generator that fails before its first chunk
            yield 'never'
          })(),
        ),
      )
    })
    const out = await raw(app.port!, GET('/z', 'Accept-Encoding: gzip\r\nAccept: text/plain\r\nConnection: close\r\n'))
    assert.equal(statusOf(out), 500, out)
    assert.ok(complete(out), out)
    assert.doesNotMatch(out, /content-encoding/i)
    assert.match(out, /500 ERR_INTERNAL/)
  })

  it('an empty stream is a complete, empty 200', async () => {
    const app = await start((a) => a.get('/empty', (c) => c.header('content-type', 'text/plain').body(Readable.from([]))))
    const out = await raw(app.port!, GET('/empty', 'Connection: close\r\n'))
    assert.equal(statusOf(out), 200, out)
    assert.match(out, /\r\n0\r\n\r\n$/)
  })

  it('a client that leaves before the first chunk stops the source and is logged as gone', async () => {
    let started = false
    let stopped = false
    const app = await start((a) =>
      a.get('/slow', (c) =>
        (async function* () {
          started = true
          try {
            // The first chunk comes only once the server has seen the client go: it always left before it.
            await new Promise((r) => c.req.signal.addEventListener('abort', r, { once: true }))
            yield 'late'
          } finally {
            stopped = true
          }
        })(),
      ),
    )
    const { socket } = await open(app.port!, GET('/slow'))
    await until(() => started, 'the source started')
    socket.destroy()
    await until(() => stopped, 'the source stopped')
    assert.ok(!app.logs.some((l) => l.code === 'ERR_STREAM_FAILED'), 'not logged as a failed stream')
  })

  it('the server answers normally afterwards, and a stream that starts well is untouched', async () => {
    const app = await start((a) => a.get('/ok', () => Readable.from(['a', 'b', 'c'])))
    const out = await raw(app.port!, GET('/ok', 'Connection: close\r\n'))
    assert.equal(statusOf(out), 200)
    assert.match(out, /1\r\na\r\n1\r\nb\r\n1\r\nc\r\n0\r\n\r\n$/)
  })
})
