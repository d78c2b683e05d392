// Real sockets: SSE heads sent at once, disconnects stopping the source, per-event delivery behind compression.
import assert from 'node:assert/strict'
import { request } from 'node:http'
import { pipeline } from 'node:stream'
import { describe, it } from 'node:test'
import { constants, createGunzip, createGzip } from 'node:zlib'
import { toReadable } from '../../src/core/respond.js'
import { type Middleware, wantsFlush } from '../../src/index.js'
import { compress } from '../../src/middleware/compress/index.js'
import { GET, open, sleep, start, until } from './helpers.js'

describe('SSE over a socket', () => {
  it('sends the head at once, before the first event', async () => {
    let release!: () => void
    const first = new Promise<void>((r) => {
      release = r
    })
    const app = await start((a) => a.get('/e', (c) => c.sse(async (s) => {
        await first
        await s.send('late')
      })))
    const { socket, out } = await open(app.port!, GET('/e'))
    // The callback is held until the head has arrived: a head that waited for the first event never would.
    await until(() => /\r\n\r\n/.test(out.text), 'the head, while no event was sent')
    assert.match(out.text, /^HTTP\/1\.1 200 [\s\S]*content-type: text\/event-stream/i)
    assert.doesNotMatch(out.text, /data:/)
    release()
    await until(() => out.text.includes('data: late'), 'the event after the head')
    socket.destroy()
  })

  it('a client that leaves: the signal fires, sends resolve false, the callback ends', async () => {
    let aborted = false
    let ended = false
    let acceptedAfterAbort = 0
    const app = await start((a) =>
      a.get('/e', (c) =>
        c.sse(async (s) => {
          s.signal.addEventListener('abort', () => {
            aborted = true
          })
          for (let i = 0; !s.closed; i++) {
            const wasAborted = aborted
            if ((await s.send({ id: i, data: 'tick' })) && wasAborted) acceptedAfterAbort++
            await sleep(5)
          }
          ended = true
        }),
      ),
    )
    const { socket, out } = await open(app.port!, GET('/e'))
    await until(() => out.text.includes('id: 3'))
    socket.destroy()
    await until(() => aborted && ended, 'the SSE callback stops')
    assert.equal(acceptedAfterAbort, 0, 'no event is accepted after the client left')
    assert.ok(!app.logs.some((l) => l.code === 'ERR_STREAM_FAILED'))
  })

  it('an iterable source is returned (its finally runs) after a disconnect', async () => {
    let finalized = false
    const app = await start((a) =>
      a.get('/e', (c) =>
        c.sse(
          (async function* () {
            try {
              for (let i = 0; ; i++) {
                yield { event: 'n', data: i }
                await sleep(5)
              }
            } finally {
              finalized = true
            }
          })(),
        ),
      ),
    )
    const { socket, out } = await open(app.port!, GET('/e'))
    await until(() => out.text.includes('data: 3'))
    socket.destroy()
    await until(() => finalized, 'the generator finally')
  })

  it('heartbeats keep an idle stream talking', async () => {
    const app = await start((a) => a.get('/e', (c) => c.sse((s) => s.untilClosed(), { heartbeat: 30 })))
    const { socket, out } = await open(app.port!, GET('/e'))
    await until(() => (out.text.match(/: ping/g) ?? []).length >= 2)
    socket.destroy()
  })
})

/** Stands in for a compression middleware that honours the flush mark: gzip with a sync flush per chunk. */
const gzipFlushing: Middleware = async (c, next) => {
  await next()
  const body = c.res.body
  if (body === null || typeof body === 'string' || body instanceof Uint8Array) return
  c.header('content-encoding', 'gzip')
  const z = createGzip(wantsFlush(body) ? { flush: constants.Z_SYNC_FLUSH } : {})
  c.res.body = pipeline(toReadable(body), z, () => {})
}

/** Requests /e with gzip and resolves with the first decoded text that contains `want`, while the stream is still open. */
function firstDecoded(port: number, want: string): Promise<{ text: string; encoding: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request({ port, host: '127.0.0.1', path: '/e', headers: { 'accept-encoding': 'gzip' } }, (res) => {
      const gunzip = createGunzip()
      let text = ''
      res.pipe(gunzip)
      gunzip.on('data', (d: Buffer) => {
        text += d.toString()
        if (text.includes(want)) {
          resolve({ text, encoding: res.headers['content-encoding'] })
          req.destroy()
        }
      })
      gunzip.on('error', () => {})
    })
    req.on('error', () => {})
    req.end()
    // A hang guard only: an unflushed event never arrives while the stream stays open.
    setTimeout(() => reject(new Error(`no decoded "${want}" after 20 s: the event was not flushed`)), 20_000).unref()
  })
}

describe('SSE behind compression: every event arrives decodable at once', () => {
  const open = (s: { send: (m: string) => Promise<boolean>; untilClosed: () => Promise<void> }) => s.send('first').then(() => s.untilClosed())

  it('through a middleware that honours the FLUSH mark', async () => {
    const app = await start((a) => {
      a.use(gzipFlushing)
      a.get('/e', (c) => c.sse(open))
    })
    const got = await firstDecoded(app.port!, 'data: first\n\n')
    assert.equal(got.encoding, 'gzip')
  })

  it("through weir's compress()", async () => {
    const app = await start((a) => {
      a.use(compress({ encodings: ['gzip'] }))
      a.get('/e', (c) => c.sse(open))
    })
    const got = await firstDecoded(app.port!, 'data: first\n\n')
    assert.equal(got.encoding, 'gzip')
  })
})
