// Graceful close over HTTP/2: GOAWAY to every session, streams in flight finish, new ones refused, the rest
// cut at the timeout, and close() resolving after the teardown.
import assert from 'node:assert/strict'
import { connect } from 'node:http2'
import { describe, it } from 'node:test'
import type { App } from '../../src/index.js'
import { logger } from '../../src/middleware/logger/index.js'
import { client, curl, request, start, until } from './helpers.js'

function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void
  const wait = new Promise<void>((r) => {
    open = r
  })
  return { wait, open }
}

describe('close() with HTTP/2 sessions', () => {
  it('sends GOAWAY, lets the stream in flight finish, refuses new streams, then resolves', async () => {
    const release = gate()
    let entered = 0
    const app = await start((a: App) => {
      a.get('/slow', async () => {
        entered++
        await release.wait
        return { done: true }
      })
    })
    const session = client(app.origin)
    const idle = client(app.origin)
    await request(idle, '/nothing')
    const goaways: string[] = []
    session.on('goaway', () => goaways.push('busy'))
    idle.on('goaway', () => goaways.push('idle'))
    const inflight = request(session, '/slow')
    await until(() => entered === 1, 10_000, 'the handler')
    let closed = false
    const closing = app.close({ timeout: 10_000 }).then(() => {
      closed = true
    })
    await until(() => goaways.length === 2, 10_000, 'GOAWAY on both sessions')
    assert.deepEqual(goaways.sort(), ['busy', 'idle'])
    // After GOAWAY the session takes no new stream, and none reaches the app. Node 20's client refuses it at
    // once (ERR_HTTP2_GOAWAY_SESSION); Node 24's opens it and sees it refused or closed: either is fine.
    const late = new Promise<string>((resolve) => {
      try {
        const s = session.request({ ':path': '/slow' })
        s.on('response', () => resolve('answered'))
        s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'))
        s.on('close', () => resolve(`closed ${s.rstCode}`))
        s.end()
      } catch (e) {
        resolve((e as NodeJS.ErrnoException).code ?? 'threw')
      }
    })
    await new Promise((r) => setTimeout(r, 100))
    assert.equal(closed, false)
    release.open()
    assert.notEqual(await late, 'answered')
    const res = await inflight
    assert.equal(res.status, 200)
    assert.deepEqual(JSON.parse(res.text), { done: true })
    assert.equal(res.headers.connection, undefined)
    await closing
    assert.equal(entered, 1)
    // The port is closed: a new connection is refused.
    const after = connect(app.origin, { rejectUnauthorized: false })
    const err = await new Promise<NodeJS.ErrnoException>((r) => after.once('error', r))
    assert.equal(err.code, 'ECONNREFUSED')
  })

  it('cuts streams still running at the timeout: signal fired, source stopped, access log aborted', async () => {
    let reason: unknown
    let stopped = false
    const app = await start((a: App) => {
      a.use(logger())
      a.get('/forever', (c) => {
        c.req.signal.addEventListener('abort', () => {
          reason = c.req.signal.reason
        })
        return (async function* () {
          try {
            for (;;) {
              yield 'tick\n'
              await new Promise((r) => setTimeout(r, 10))
            }
          } finally {
            stopped = true
          }
        })()
      })
    })
    const session = client(app.origin)
    const req = session.request({ ':path': '/forever' })
    req.on('error', () => {})
    await new Promise((r) => req.once('data', r))
    await app.close({ timeout: 200, teardown: 5_000 })
    // close() resolved after the teardown: all of it has already happened.
    assert.equal(stopped, true)
    assert.equal((reason as { code?: string }).code, 'ERR_CLIENT_GONE')
    const line = app.logs.find((l) => l.path === '/forever')
    assert.equal(line?.aborted, true)
    assert.equal(line?.protocol, 'h2')
  })

  it('answers an HTTP/1.1 request in flight on the same TLS port with Connection: close, then resolves', async () => {
    const release = gate()
    const app = await start((a: App) => {
      a.get('/slow', async () => {
        await release.wait
        return 'slow'
      })
      a.get('/', () => 'ok')
    })
    const slow = curl(['-k', '--http1.1', '-i', `${app.origin}/slow`])
    await new Promise((r) => setTimeout(r, 300))
    const closing = app.close({ timeout: 10_000 })
    await new Promise((r) => setTimeout(r, 100))
    release.open()
    const out = await slow
    assert.match(out, /^HTTP\/1\.1 200/)
    assert.match(out, /connection: close/i)
    await closing
  })

  it('closes a session idle past server.http2.idleTimeout with GOAWAY, but not one with a stream open', async () => {
    const release = gate()
    const app = await start(
      (a: App) => {
        a.get('/', () => 'ok')
        a.get('/slow', async () => {
          await release.wait
          return 'slow'
        })
      },
      { http2: true },
      { server: { http2: { idleTimeout: 150 } } },
    )
    const busy = client(app.origin)
    let busyGoaway = false
    busy.on('goaway', () => {
      busyGoaway = true
    })
    const slow = request(busy, '/slow')
    const idle = client(app.origin)
    let idleGoaway = false
    idle.on('goaway', () => {
      idleGoaway = true
    })
    await request(idle, '/')
    await until(() => idleGoaway, 10_000, 'GOAWAY on the idle session')
    assert.equal(busyGoaway, false)
    release.open()
    assert.equal((await slow).text, 'slow')
    await until(() => busyGoaway, 10_000, 'GOAWAY once the busy session went idle')
  })
})
