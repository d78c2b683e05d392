import assert from 'node:assert/strict'
import { Readable } from 'node:stream'
import { describe, it } from 'node:test'
import { type Context, type Logger, createApp } from '../../index.js'
import { type TimeoutOptions, timeout } from './index.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** A promise the test resolves itself: a handler that awaits it is late for as long as the test wants. */
function gate<T = void>() {
  let open!: (value: T) => void
  const shut = new Promise<T>((r) => {
    open = r
  })
  return { shut, open }
}

function serve(ms: number, handler: (c: Context) => unknown, options?: TimeoutOptions) {
  type Line = { level: string; code?: string }
  const logs: Line[] = []
  const waiting: Array<{ match: (l: Line) => boolean; found: () => void }> = []
  const log = (level: string) => (obj: object) => {
    const line = { level, code: (obj as { code?: string }).code }
    logs.push(line)
    for (const w of waiting) if (w.match(line)) w.found()
  }
  /** Resolves when a line matching `match` is (or was) logged. */
  const logged = (match: (l: Line) => boolean) =>
    new Promise<void>((found) => (logs.some(match) ? found() : waiting.push({ match, found })))
  const logger: Logger = { error: log('error'), warn: log('warn'), info: log('info'), debug: log('debug') }
  const app = createApp({ mode: 'test', logger })
  app.use(timeout(ms, options))
  app.get('/t', handler)
  const get = () => app.request('/t', { headers: { accept: 'application/json' } })
  return { get, logs, logged }
}

describe('timeout', () => {
  it('answers 503 ERR_TIMEOUT before the late handler finished, and aborts its signal with that error', async () => {
    let reason: unknown
    let finished = false
    const late = gate()
    const { get } = serve(20, async (c) => {
      c.req.signal.addEventListener('abort', () => {
        reason = c.req.signal.reason
      })
      await late.shut
      finished = true
      return 'late'
    })
    const res = await get()
    assert.equal(finished, false, 'answered while the handler was still running')
    late.open()
    assert.equal(res.status, 503)
    assert.equal(((await res.json()) as { code: string }).code, 'ERR_TIMEOUT')
    assert.equal((reason as { code?: string }).code, 'ERR_TIMEOUT')
  })

  it('lets a handler on time through untouched', async () => {
    // The limit is far beyond anything a loaded machine needs; the timer is cleared when the handler ends.
    const { get } = serve(60_000, async () => {
      await new Promise((r) => setImmediate(r))
      return { ok: true }
    })
    const res = await get()
    assert.deepEqual([res.status, await res.json()], [200, { ok: true }])
  })

  it('answers 504 when asked, with the given message', async () => {
    const late = gate()
    const { get } = serve(10, () => late.shut, { status: 504, message: 'upstream too slow' })
    const res = await get()
    late.open()
    assert.equal(res.status, 504)
    assert.equal(((await res.json()) as { message: string }).message, 'upstream too slow')
  })

  it('ignores and logs what a late handler writes: no second response', async () => {
    const wrote = gate()
    const late = gate()
    const { get, logs } = serve(10, async (c) => {
      await late.shut
      c.header('x-late', '1')
      c.json({ late: true })
      wrote.open()
    })
    const res = await get()
    const body = await res.json()
    late.open()
    await wrote.shut
    assert.equal(res.status, 503)
    assert.equal(res.headers.get('x-late'), null)
    assert.equal((body as { code: string }).code, 'ERR_TIMEOUT')
    assert.ok(logs.filter((l) => l.code === 'ERR_RESPONSE_SENT').length >= 2)
  })

  it('logs a late handler error at debug, without an unhandled rejection', async () => {
    const unhandled: unknown[] = []
    const onUnhandled = (e: unknown) => unhandled.push(e)
    process.on('unhandledRejection', onUnhandled)
    const late = gate()
    const { get, logs, logged } = serve(10, async () => {
      await late.shut
      throw new Error('after the fact')
    })
    assert.equal((await get()).status, 503)
    late.open()
    await logged((l) => l.level === 'debug' && l.code === 'ERR_TIMEOUT')
    // Unhandled rejections are reported before the next macrotask: one turn is enough to see any.
    await new Promise((r) => setImmediate(r))
    process.off('unhandledRejection', onUnhandled)
    assert.deepEqual(unhandled, [])
    assert.ok(logs.some((l) => l.level === 'debug' && l.code === 'ERR_TIMEOUT'))
  })

  it('passes errors thrown in time through', async () => {
    const { get } = serve(60_000, (c) => c.throw(418, 'teapot'))
    assert.equal((await get()).status, 418)
  })

  it('stops a stream body set before the handler stalled', async () => {
    const destroyed = gate()
    const late = gate()
    const { get } = serve(15, async (c) => {
      const s = new Readable({ read() {} })
      s.on('close', () => destroyed.open())
      c.body(s)
      await late.shut
    })
    assert.equal((await get()).status, 503)
    await destroyed.shut // the stream's 'close': without the stop, the test would hang until its timeout
    late.open()
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
