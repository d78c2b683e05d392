import assert from 'node:assert/strict'
import { Readable } from 'node:stream'
import { describe, it } from 'node:test'
import { type Context, type Logger, createApp } from '../../index.js'
import { type TimeoutOptions, timeout } from './index.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

function serve(ms: number, handler: (c: Context) => unknown, options?: TimeoutOptions) {
  const logs: Array<{ level: string; code?: string }> = []
  const log = (level: string) => (obj: object) => logs.push({ level, code: (obj as { code?: string }).code })
  const logger: Logger = { error: log('error'), warn: log('warn'), info: log('info'), debug: log('debug') }
  const app = createApp({ mode: 'test', logger })
  app.use(timeout(ms, options))
  app.get('/t', handler)
  const get = () => app.request('/t', { headers: { accept: 'application/json' } })
  return { get, logs }
}

describe('timeout', () => {
  it('answers 503 ERR_TIMEOUT when the handler is late, and aborts its signal with that error', async () => {
    let reason: unknown
    const { get } = serve(20, async (c) => {
      c.req.signal.addEventListener('abort', () => {
        reason = c.req.signal.reason
      })
      await sleep(200)
      return 'late'
    })
    const t = performance.now()
    const res = await get()
    assert.ok(performance.now() - t < 150)
    assert.equal(res.status, 503)
    assert.equal(((await res.json()) as { code: string }).code, 'ERR_TIMEOUT')
    assert.equal((reason as { code?: string }).code, 'ERR_TIMEOUT')
  })

  it('lets a handler on time through untouched', async () => {
    const { get } = serve(200, async () => {
      await sleep(5)
      return { ok: true }
    })
    const res = await get()
    assert.deepEqual([res.status, await res.json()], [200, { ok: true }])
  })

  it('answers 504 when asked, with the given message', async () => {
    const { get } = serve(10, () => sleep(100), { status: 504, message: 'upstream too slow' })
    const res = await get()
    assert.equal(res.status, 504)
    assert.equal(((await res.json()) as { message: string }).message, 'upstream too slow')
  })

  it('ignores and logs what a late handler writes: no second response', async () => {
    let wrote!: () => void
    const done = new Promise<void>((r) => {
      wrote = r
    })
    const { get, logs } = serve(10, async (c) => {
      await sleep(40)
      c.header('x-late', '1')
      c.json({ late: true })
      wrote()
    })
    const res = await get()
    const body = await res.json()
    await done
    assert.equal(res.status, 503)
    assert.equal(res.headers.get('x-late'), null)
    assert.equal((body as { code: string }).code, 'ERR_TIMEOUT')
    assert.ok(logs.filter((l) => l.code === 'ERR_RESPONSE_SENT').length >= 2)
  })

  it('logs a late handler error at debug, without an unhandled rejection', async () => {
    const unhandled: unknown[] = []
    const onUnhandled = (e: unknown) => unhandled.push(e)
    process.on('unhandledRejection', onUnhandled)
    const { get, logs } = serve(10, async () => {
      await sleep(30)
      throw new Error('after the fact')
    })
    assert.equal((await get()).status, 503)
    await sleep(60)
    process.off('unhandledRejection', onUnhandled)
    assert.deepEqual(unhandled, [])
    assert.ok(logs.some((l) => l.level === 'debug' && l.code === 'ERR_TIMEOUT'))
  })

  it('passes errors thrown in time through', async () => {
    const { get } = serve(100, (c) => c.throw(418, 'teapot'))
    assert.equal((await get()).status, 418)
  })

  it('stops a stream body set before the handler stalled', async () => {
    let destroyed = false
    const { get } = serve(15, async (c) => {
      const s = new Readable({ read() {} })
      s.on('close', () => {
        destroyed = true
      })
      c.body(s)
      await sleep(100)
    })
    assert.equal((await get()).status, 503)
    await sleep(5)
    assert.equal(destroyed, true)
  })

  it('refuses bad options when built, and honours skip', async () => {
    for (const ms of [0, -1, 1.5, Number.NaN, 2 ** 31]) assert.throws(() => timeout(ms), TypeError, String(ms))
    assert.throws(() => timeout(10, { status: 500 as 503 }), TypeError)
    const { get } = serve(5, async () => {
      await sleep(20)
      return 'slow but skipped'
    }, { skip: () => true })
    assert.equal(await (await get()).text(), 'slow but skipped')
  })
})
