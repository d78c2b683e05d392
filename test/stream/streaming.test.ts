// Real sockets: backpressure with slow clients, aborts, failing sources, fairness between streams.
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { Readable } from 'node:stream'
import { describe, it } from 'node:test'
import { Worker } from 'node:worker_threads'
import { lines } from '../../src/index.js'
import { GET, open, raw, sleep, start, until, within } from './helpers.js'

const KB = `${'x'.repeat(1023)}\n`

describe('backpressure: a slow client slows the producer', () => {
  for (const via of ['generator', 'lines + filter'] as const) {
    it(`${via}: production stops while the client reads nothing, and resumes when it reads`, async () => {
      let produced = 0
      async function* endless() {
        for (;;) {
          produced++
          yield via === 'generator' ? KB : Buffer.from(`${produced} ${KB}`)
        }
      }
      const app = await start((a) =>
        a.get('/endless', () => (via === 'generator' ? endless() : lines(endless()).filter((l) => !l.startsWith('7 ')))),
      )
      const { socket, out } = await open(app.port!, GET('/endless'))
      await until(() => out.bytes > 200_000)
      socket.pause()
      // The kernel grows the loopback buffers for a while (~0.5 s); then production must stop for good.
      let last = -1
      await until(() => {
        const steady = produced === last
        last = produced
        return steady
      }, 'production settles')
      const plateau = produced
      await sleep(300)
      assert.equal(produced, plateau, 'nothing produced while the client is paused')
      // What was made but not read sits in the socket buffers (kernel, loopback), never in weir.
      const ahead = plateau * 1024 - out.bytes
      assert.ok(ahead < 16 * 1024 * 1024, `${(ahead / 1048576).toFixed(1)} MB produced ahead of the reader`)
      socket.resume()
      await until(() => produced > plateau + 100, 'production resumes')
      socket.destroy()
    })
  }
})

describe('a client that disconnects stops the source within 100 ms', () => {
  const sources: Record<string, (stopped: () => void) => unknown> = {
    'async generator': (stopped) =>
      (async function* () {
        try {
          for (let i = 0; ; i++) {
            yield KB
            if (i % 16 === 0) await new Promise((r) => setImmediate(r))
          }
        } finally {
          stopped()
        }
      })(),
    'Node Readable': (stopped) =>
      new Readable({
        read() {
          this.push(KB)
        },
        destroy(err, cb) {
          stopped()
          cb(err)
        },
      }),
    'Web ReadableStream': (stopped) =>
      new ReadableStream({
        pull(ctl) {
          ctl.enqueue(new TextEncoder().encode(KB))
        },
        cancel: stopped,
      }),
    'lines() over a slow tail (a read pending when the client leaves)': (stopped) => {
      const tail = new Readable({
        read() {
          setTimeout(() => this.push(KB.repeat(8)), 40)
        },
        destroy(err, cb) {
          stopped()
          cb(err)
        },
      })
      return lines(tail).filter(() => true)
    },
  }
  for (const [name, make] of Object.entries(sources)) {
    it(`${name}: stopped, c.req.signal fired, logged as a client that left`, async () => {
      let stopped = false
      let aborted = false
      const app = await start((a) =>
        a.get('/s', (c) => {
          c.req.signal.addEventListener('abort', () => {
            aborted = true
          })
          return make(() => {
            stopped = true
          })
        }),
      )
      const { socket, out } = await open(app.port!, GET('/s'))
      await until(() => out.bytes > 20_000)
      socket.destroy()
      await within(100, () => stopped && aborted, name)
      await until(() => app.logs.some((l) => l.msg === 'The client closed the connection during a streamed response' || /client closed/.test(String(l.msg))))
      assert.ok(!app.logs.some((l) => l.code === 'ERR_STREAM_FAILED'), 'a client leaving is not a stream failure')
    })
  }
})

describe('a source that fails mid-response', () => {
  it('ends the connection without the chunked terminator, logs ERR_STREAM_FAILED, emits a stream error event, and the server lives', async () => {
    const events: Array<{ message: string; category: string }> = []
    const app = await start((a) => {
      a.onEvent('error', (err, _c, category) => events.push({ message: err.message, category }))
      a.get('/broken', () =>
        (async function* () {
          yield 'partial '.repeat(1000)
          await sleep(5)
          throw new Error('the log source broke')
        })(),
      )
      a.get('/ok', () => 'still here')
    })
    const out = await raw(app.port!, GET('/broken'))
    assert.match(out, /^HTTP\/1\.1 200 [\s\S]*partial/)
    assert.doesNotMatch(out, /\r\n0\r\n\r\n$/, 'no terminating chunk: the client can tell')
    await until(() => events.length > 0)
    assert.deepEqual(events, [{ message: 'the log source broke', category: 'stream' }])
    const log = app.logs.find((l) => l.code === 'ERR_STREAM_FAILED')
    assert.equal(log?.level, 50)
    assert.equal(await (await fetch(`http://127.0.0.1:${app.port}/ok`)).text(), 'still here')
  })

  it('an over-long line from lines() fails the response the same way (ERR_STREAM_LINE_TOO_LONG)', async () => {
    const app = await start((a) => a.get('/long', () => lines(['ok\n', 'y'.repeat(100)], { maxLineLength: 50 })))
    const out = await raw(app.port!, GET('/long'))
    assert.match(out, /ok\n/)
    assert.doesNotMatch(out, /\r\n0\r\n\r\n$/)
    await until(() => app.logs.some((l) => l.code === 'ERR_STREAM_FAILED'))
    const failed = app.logs.find((l) => l.code === 'ERR_STREAM_FAILED')
    assert.equal((failed?.err as { code?: string } | undefined)?.code, 'ERR_STREAM_LINE_TOO_LONG')
  })

  it('HEAD never reads the source', async () => {
    let read = false
    const app = await start((a) =>
      a.get('/s', () =>
        lines(
          new Readable({
            read() {
              read = true
              this.push(null)
            },
          }),
        ),
      ),
    )
    const out = await raw(app.port!, 'HEAD /s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
    assert.match(out, /^HTTP\/1\.1 200 /)
    await sleep(20)
    assert.equal(read, false)
  })
})

describe('fairness', () => {
  it('delivers every byte, in order, through the yields', async () => {
    const chunks = Array.from({ length: 3000 }, (_, i) => `${i}:${'z'.repeat(i % 2000)}\n`)
    const app = await start((a) =>
      a.get('/all', () =>
        (function* () {
          yield* chunks
        })(),
      ),
    )
    const body = Buffer.from(await (await fetch(`http://127.0.0.1:${app.port}/all`)).arrayBuffer())
    const want = createHash('sha256').update(chunks.join('')).digest('hex')
    assert.equal(createHash('sha256').update(body).digest('hex'), want)
  })

  it('while 50 clients read endless streams as fast as they can, /hello answers quickly', async () => {
    const app = await start((a) => {
      a.get('/hello', () => 'hi')
      // Synchronous, CPU-bound sources: the worst case (no I/O between chunks).
      a.get('/endless', () =>
        (function* () {
          for (;;) yield KB
        })(),
      )
    })
    // The 50 readers run in another thread, so their reading does not compete with the server.
    const worker = new Worker(
      `const { connect } = require('node:net'); const { parentPort, workerData } = require('node:worker_threads')
       let bytes = 0
       for (let i = 0; i < 50; i++) {
         const s = connect(workerData, '127.0.0.1', () => s.write('GET /endless HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n'))
         s.on('data', (d) => { bytes += d.length }); s.on('error', () => {})
       }
       setInterval(() => parentPort.postMessage(bytes), 50)`,
      { eval: true, workerData: app.port },
    )
    let streamed = 0
    worker.on('message', (b: number) => {
      streamed = b
    })
    try {
      await until(() => streamed > 20_000_000, 'the 50 streams are flowing')
      const times: number[] = []
      for (let i = 0; i < 7; i++) {
        const t0 = performance.now()
        assert.equal(await (await fetch(`http://127.0.0.1:${app.port}/hello`)).text(), 'hi')
        times.push(performance.now() - t0)
      }
      times.sort((x, y) => x - y)
      const median = times[3]!
      // Typically 10-40 ms here; without the yields it never answers at all.
      assert.ok(median < 100, `median /hello ${median.toFixed(1)} ms (${times.map((t) => t.toFixed(0)).join(', ')})`)
    } finally {
      await worker.terminate()
    }
  })
})
