// Real sockets: listen, keep-alive, graceful close with requests in flight, clients that vanish.
import assert from 'node:assert/strict'
import { request as httpRequest } from 'node:http'
import { type Socket, connect } from 'node:net'
import { after, describe, it } from 'node:test'
import { type App, createApp } from '../src/index.js'
import { consoleLogger } from '../src/utils/console-logger.js'
import { raw, sleep, until } from './stream/helpers.js'

const apps: App[] = []
after(async () => {
  await Promise.all(apps.map((a) => a.close({ timeout: 100 })))
})

async function start(setup: (app: App) => void, opts: Parameters<typeof createApp>[0] = {}): Promise<App> {
  const app = createApp({ mode: 'test', logger: consoleLogger('silent'), ...opts })
  setup(app)
  await app.listen({ port: 0, host: '127.0.0.1' })
  apps.push(app)
  return app
}

function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s))
    s.once('error', reject)
  })
}

/** Reads from a socket until `pattern` appears in what arrived (the bound only stops a broken test hanging). */
function readUntil(s: Socket, pattern: RegExp, ms = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = ''
    const t = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}; got ${JSON.stringify(out)}`)), ms)
    const onData = (d: Buffer) => {
      out += d.toString('latin1')
      if (pattern.test(out)) {
        clearTimeout(t)
        s.off('data', onData)
        resolve(out)
      }
    }
    s.on('data', onData)
  })
}

describe('listen', () => {
  it('resolves once bound; port 0 gives a free port readable from app.port', async () => {
    const app = await start((a) => a.get('/', () => ({ hello: 'world' })))
    assert.ok(app.port && app.port > 0)
    const res = await fetch(`http://127.0.0.1:${app.port}/`)
    assert.deepEqual(await res.json(), { hello: 'world' })
    assert.equal(res.headers.get('content-length'), '17')
  })

  it('rejects when the port is taken', async () => {
    const first = await start(() => {})
    const second = createApp({ mode: 'test' })
    await assert.rejects(second.listen({ port: first.port!, host: '127.0.0.1' }), /EADDRINUSE/)
  })

  it('takes PORT from the environment when no port is given: 0 picks a free one, a bad value is refused', async () => {
    const saved = process.env.PORT
    try {
      process.env.PORT = '0'
      const app = createApp({ mode: 'test', logger: consoleLogger('silent') })
      await app.listen()
      assert.ok(app.port! > 0 && app.port !== 3000)
      await app.close({ timeout: 100 })
      for (const bad of ['abc', '70000', '-1', '3.5']) {
        process.env.PORT = bad
        await assert.rejects(createApp({ mode: 'test' }).listen(), (err: Error) => err instanceof TypeError && err.message.includes(JSON.stringify(bad)))
      }
    } finally {
      if (saved === undefined) delete process.env.PORT
      else process.env.PORT = saved
    }
  })

  it('answers 100 pipelined requests on one keep-alive socket in order', async () => {
    const app = await start((a) => a.get('/n/:i', (c) => c.text(c.params.i)))
    let data = ''
    for (let i = 0; i < 100; i++) data += `GET /n/${i} HTTP/1.1\r\nHost: x\r\n\r\n`
    const s = await openSocket(app.port!)
    s.write(data)
    const out = await readUntil(s, /\r\n\r\n99$/)
    s.destroy()
    const bodies = out.split('HTTP/1.1 200 OK').slice(1).map((r) => r.slice(r.indexOf('\r\n\r\n') + 4))
    assert.deepEqual(bodies, Array.from({ length: 100 }, (_, i) => String(i)))
  })

  it('answers 400 ERR_DUPLICATE_HOST to two Host headers (RFC 9112 §3.2)', async () => {
    const app = await start((a) => a.get('/', () => 'ok'))
    const out = await raw(app.port!, 'GET / HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\nAccept: application/json\r\n\r\n')
    assert.match(out, /^HTTP\/1\.1 400 /)
    assert.match(out, /ERR_DUPLICATE_HOST/)
    assert.match(out, /connection: close/i)
  })

  it('handler() works with a plain node:http server', async () => {
    const app = createApp({ mode: 'test' })
    app.get('/', () => 'plain')
    const { createServer } = await import('node:http')
    const server = createServer(app.handler())
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const port = (server.address() as { port: number }).port
    assert.equal(await (await fetch(`http://127.0.0.1:${port}/`)).text(), 'plain')
    await new Promise((r) => server.close(r))
  })
})

describe('close', () => {
  it('lets a request in flight finish, then resolves; new connections are refused', async () => {
    let release!: () => void
    const gate = new Promise<void>((r) => {
      release = r
    })
    let entered!: () => void
    const inHandler = new Promise<void>((r) => {
      entered = r
    })
    const app = await start((a) =>
      a.get('/slow', async () => {
        entered()
        await gate
        return 'finished'
      }),
    )
    const port = app.port!
    const inflight = fetch(`http://127.0.0.1:${port}/slow`).then((r) => r.text())
    await inHandler
    // close() stops the listener before it returns: the next connection is refused.
    const closing = app.close({ timeout: 60_000 })
    await assert.rejects(fetch(`http://127.0.0.1:${port}/slow`), 'no new connections while closing')
    release()
    assert.equal(await inflight, 'finished')
    await closing
  })

  it('answers 503 ERR_SERVER_CLOSING with Connection: close to a request that arrives on a busy connection during close', async () => {
    const app = await start((a) => a.get('/fast', () => 'fast'))
    let serverSide!: Socket
    app.server!.once('connection', (s: Socket) => {
      serverSide = s
    })
    const keep = await openSocket(app.port!)
    const first = 'GET /fast HTTP/1.1\r\nHost: x\r\n\r\n'
    keep.write(first)
    await readUntil(keep, /fast$/)
    // Half a request head: the connection is busy, so close() cannot drop it as idle — once the server has
    // read it, which is what we wait for (not a sleep).
    const half = 'GET /fast HTTP/1.1\r\nHost: x\r\nAccept: application/json\r\n'
    keep.write(half)
    await until(() => serverSide.bytesRead === first.length + half.length, 'the server read the half head')
    const closing = app.close({ timeout: 60_000 })
    keep.write('\r\n')
    const second = await readUntil(keep, /ERR_SERVER_CLOSING/)
    assert.match(second, /^HTTP\/1\.1 503 /)
    assert.match(second, /connection: close/i)
    await closing
    keep.destroy()
  })

  it('closes idle keep-alive connections at once', async () => {
    const app = await start((a) => a.get('/', () => 'ok'))
    const s = await openSocket(app.port!)
    s.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n')
    await readUntil(s, /ok$/)
    const closed = new Promise((r) => s.once('close', r))
    // A close timeout far beyond the wait below: only closing idle connections at once ends this test.
    const closing = app.close({ timeout: 600_000 })
    let timer: NodeJS.Timeout | undefined
    const stuck = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error('the idle connection was kept open until the close timeout')), 20_000)
    })
    await Promise.race([Promise.all([closed, closing]), stuck]).finally(() => clearTimeout(timer))
  })

  it('cuts requests still running at the timeout', async () => {
    let entered!: () => void
    const inHandler = new Promise<void>((r) => {
      entered = r
    })
    const app = await start((a) =>
      a.get('/never', () => {
        entered()
        return new Promise(() => {})
      }),
    )
    const failed = fetch(`http://127.0.0.1:${app.port}/never`).then(
      () => 'answered',
      () => 'cut',
    )
    await inHandler
    // Order, not time: the request is cut by the timeout, and close() resolves only after that.
    const order: string[] = []
    void failed.then((r) => order.push(r))
    await app.close({ timeout: 200 }).then(() => order.push('closed'))
    assert.equal(await failed, 'cut')
    assert.deepEqual(order, ['cut', 'closed'])
  })
})

describe('clients that vanish', () => {
  it('stops a streamed source and aborts c.req.signal when the client disconnects', async () => {
    let produced = 0
    let cleanedUp = false
    let aborted = false
    const app = await start((a) =>
      a.get('/stream', (c) => {
        c.req.signal.addEventListener('abort', () => {
          aborted = true
        })
        return (async function* () {
          try {
            for (;;) {
              produced++
              yield `${'x'.repeat(1000)}\n`
              await sleep(1)
            }
          } finally {
            cleanedUp = true
          }
        })()
      }),
    )
    await new Promise<void>((resolve) => {
      const req = httpRequest({ port: app.port, host: '127.0.0.1', path: '/stream' }, (res) => {
        res.once('data', () => {
          req.destroy()
          resolve()
        })
      })
      req.end()
    })
    await until(() => cleanedUp && aborted, 'the generator ran its finally block and c.req.signal fired')
    // The generator has returned: nothing more can be produced, on this turn or any later one.
    const at = produced
    await new Promise((r) => setImmediate(r))
    assert.equal(produced, at, 'nothing is produced after the client left')
  })

  it('ends the connection without a clean chunked terminator when a source fails mid-response', async () => {
    const app = await start((a) =>
      a.get('/broken', () =>
        (async function* () {
          yield 'partial'
          throw new Error('source failed')
        })(),
      ),
    )
    const out = await raw(app.port!, 'GET /broken HTTP/1.1\r\nHost: x\r\n\r\n')
    assert.match(out, /^HTTP\/1\.1 200 /)
    assert.match(out, /partial/)
    assert.doesNotMatch(out, /\r\n0\r\n\r\n$/, 'no terminating chunk')
    const again = await fetch(`http://127.0.0.1:${app.port}/broken`)
      .then((r) => r.text())
      .catch(() => 'broken')
    assert.equal(again, 'broken', 'the client can tell the body is incomplete')
  })
})
