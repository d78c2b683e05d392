// In-process: error events from the core's own paths, `app.closing` and readiness, the lifecycle guard.
import assert from 'node:assert/strict'
import { Readable } from 'node:stream'
import { describe, it } from 'node:test'
import { type App, type Context, type ErrorCategory, createApp } from '../../src/index.js'
import { recover } from '../../src/middleware/recover/index.js'
import { consoleLogger } from '../../src/utils/console-logger.js'
import { get, sleep, until } from './child.js'

function quiet(): App & { events: Array<[string, ErrorCategory, Context | undefined]> } {
  const app = createApp({ mode: 'test', logger: consoleLogger('silent') })
  const events: Array<[string, ErrorCategory, Context | undefined]> = []
  app.onEvent('error', (err, c, category) => events.push([err.message, category, c]))
  return Object.assign(app, { events })
}

describe('error events from the core', () => {
  it('a stream that fails after its head is category stream', async () => {
    const app = quiet()
    app.get('/s', async function* () {
      yield 'first'
      throw new Error('source broke')
    })
    await app.listen({ port: 0 })
    try {
      const o = await get(app.port!, '/s')
      assert.equal(o.kind, 'broken')
      await until(() => app.events.length === 1)
      assert.deepEqual(app.events.map(([m, cat, c]) => [m, cat, c?.req.path]), [['source broke', 'stream', '/s']])
    } finally {
      await app.close({ timeout: 100 })
    }
  })

  it('a response that cannot be written is category respond; an onError that throws is unhandled', async () => {
    const app = quiet()
    app.get('/bad-header', (c) => {
      c.res.headers['bad header'] = 'x'
      return 'x'
    })
    app.get('/bad-header-stream', (c) => {
      c.res.headers['bad header'] = 'x'
      return Readable.from(['x'])
    })
    app.get('/hook', () => {
      throw new Error('first')
    })
    app.onError(() => {
      throw new Error('the hook broke')
    })
    await app.listen({ port: 0 })
    try {
      for (const path of ['/bad-header', '/bad-header-stream', '/hook']) {
        const o = await get(app.port!, path)
        assert.ok(o.kind === 'done' && o.status === 500, `${path}: ${JSON.stringify(o)}`)
      }
    } finally {
      await app.close({ timeout: 100 })
    }
    assert.deepEqual(
      app.events.map(([m, cat]) => [m.slice(0, 14), cat]),
      [
        ['Header name mu', 'respond'],
        ['Header name mu', 'respond'],
        ['first', 'unhandled'],
        ['the hook broke', 'unhandled'],
      ],
    )
  })

  it('onEvent returns a function that removes the listener', async () => {
    const app = quiet()
    const seen: string[] = []
    const off = app.onEvent('error', (e) => seen.push(e.message))
    app.get('/x', () => {
      throw new Error('x')
    })
    await app.request('/x')
    off()
    await app.request('/x')
    assert.deepEqual(seen, ['x'])
  })
})

describe('closing and readiness', () => {
  it('app.closing turns true when the close starts; requests then hear 503 ERR_SERVER_CLOSING', async () => {
    const app = quiet()
    let entered = false
    let release!: () => void
    const held = new Promise<void>((r) => {
      release = r
    })
    app.get('/slow', async () => {
      entered = true
      await held // until the test has probed the closing app: in flight for as long as that takes
      return 'done'
    })
    app.get('/readyz', (c) => (app.closing ? c.text('closing', 503) : c.text('ready')))
    await app.listen({ port: 0 })
    assert.equal(await (await app.request('/readyz')).text(), 'ready')
    const slow = get(app.port!, '/slow')
    await until(() => entered)
    const closed = app.close({ timeout: 60_000 })
    assert.equal(app.closing, true)
    const probe = await app.request('/readyz')
    assert.equal(probe.status, 503)
    assert.equal(((await probe.json()) as { code: string }).code, 'ERR_SERVER_CLOSING')
    release()
    await closed
    const s = await slow
    assert.ok(s.kind === 'done' && s.body === 'done')
  })
})

describe('the lifecycle guard of listen', () => {
  it("closeOn: ['recover'] closes the app after recover() answered; close listeners run; handlers are removed", async () => {
    const before = [process.listenerCount('uncaughtException'), process.listenerCount('unhandledRejection')]
    const app = quiet()
    app.use(recover())
    app.get('/bug', () => {
      throw new Error('bug')
    })
    const reasons: string[] = []
    app.onEvent('close', async (reason) => {
      await sleep(5)
      reasons.push(reason)
    })
    await app.listen({ port: 0, safety: { closeOn: ['recover'] }, exit: false, closeTimeout: 500 })
    assert.equal(process.listenerCount('uncaughtException'), before[0]! + 1)
    const o = await get(app.port!, '/bug')
    assert.ok(o.kind === 'done' && o.status === 500)
    await until(() => reasons.length === 1)
    assert.deepEqual(reasons, ['recover'])
    assert.equal(app.closing, true)
    assert.deepEqual([process.listenerCount('uncaughtException'), process.listenerCount('unhandledRejection')], before)
  })

  it('a listed signal closes the app gracefully', async () => {
    const app = quiet()
    const reasons: string[] = []
    // Something else may listen for SIGWINCH already: compare with what was there before.
    const before = process.listenerCount('SIGWINCH')
    app.onEvent('close', (r) => void reasons.push(r))
    await app.listen({ port: 0, signals: ['SIGWINCH'], exit: false })
    process.kill(process.pid, 'SIGWINCH')
    await until(() => reasons.length === 1)
    assert.deepEqual(reasons, ['SIGWINCH'])
    assert.equal(process.listenerCount('SIGWINCH'), before)
  })

  it('refuses a bad closeTimeout, and an unknown event name', async () => {
    const app = quiet()
    await assert.rejects(app.listen({ port: 0, closeTimeout: -1 }), TypeError)
    assert.throws(() => app.onEvent('crash' as never, (() => {}) as never), TypeError)
    assert.throws(() => app.onEvent('error', 'x' as never), TypeError)
  })
})
