import assert from 'node:assert/strict'
import { Readable } from 'node:stream'
import { describe, it } from 'node:test'
import { createApp } from '../../index.js'
import { consoleLogger } from '../../utils/console-logger.js'
import { type ConcurrencyOptions, concurrency } from './index.js'

/** A promise and its resolver, to hold a handler until the test lets it go. */
function gate() {
  let open!: () => void
  const p = new Promise<void>((r) => {
    open = r
  })
  return { p, open }
}

/** Resolves when `cond` holds, checked after each `signal()`: the tests wait for events, never for time. */
function watcher() {
  const waiting: Array<{ cond: () => boolean; ok: () => void }> = []
  const signal = () => {
    for (const w of [...waiting]) if (w.cond()) waiting.splice(waiting.indexOf(w), 1) && w.ok()
  }
  const when = (cond: () => boolean) => new Promise<void>((ok) => (cond() ? ok() : waiting.push({ cond, ok })))
  return { signal, when }
}

function serve(options: ConcurrencyOptions) {
  const app = createApp({ mode: 'test', logger: consoleLogger('silent') })
  const w = watcher()
  let open = 0
  let arrivals = 0
  // Before concurrency(): counts requests about to be admitted, queued or refused. concurrency() runs
  // synchronously up to its queue, so a request counted here is in the queue before any waiter resumes.
  app.use((_c, next) => {
    arrivals++
    w.signal()
    return next()
  })
  app.use(concurrency(options))
  // Inside concurrency(): its 'close' listener is registered first, so when this one runs the slot is free.
  app.use(async (c, next) => {
    open++
    c.raw.res.once('close', () => {
      open--
      w.signal()
    })
    await next()
  })
  const gates: Array<ReturnType<typeof gate>> = []
  app.get('/hold', async () => {
    const g = gate()
    gates.push(g)
    w.signal()
    await g.p
    return 'held'
  })
  app.get('/fast', () => 'fast')
  app.get('/boom', () => {
    throw new Error('boom')
  })
  app.get('/stream', () => {
    const g = gate()
    gates.push(g)
    return Readable.from(
      (async function* () {
        w.signal()
        yield 'start '
        await g.p
        yield 'end'
      })(),
    )
  })
  const get = (path: string, headers: Record<string, string> = {}) => app.request(path, { headers: { accept: 'application/json', ...headers } })
  /** Resolves once `n` handlers holding a gate have started. */
  const holding = (n: number) => w.when(() => gates.length >= n)
  /** Resolves once every admitted response has closed (and so given its slot back). */
  const idle = () => w.when(() => open === 0)
  /** Resolves once `n` requests have reached concurrency() (admitted, queued or refused). */
  const arrived = (n: number) => w.when(() => arrivals >= n)
  return { get, gates, holding, idle, arrived }
}

const code = async (res: Response) => ((await res.json()) as { code: string }).code

describe('concurrency', () => {
  it('answers 503 ERR_CONCURRENCY_LIMITED over the global limit, and frees the slot when the response is done', async () => {
    const { get, gates, holding, idle } = serve({ max: 1 })
    const held = get('/hold')
    await holding(1)
    const over = await get('/fast')
    assert.deepEqual([over.status, await code(over)], [503, 'ERR_CONCURRENCY_LIMITED'])
    gates[0]!.open()
    assert.equal(await (await held).text(), 'held')
    await idle()
    assert.equal((await get('/fast')).status, 200)
  })

  it('limits per key with 429 ERR_CONCURRENCY_KEY_LIMITED', async () => {
    const { get, gates, holding, idle } = serve({ max: 1, key: (c) => c.req.header('x-user') ?? '' })
    const held = get('/hold', { 'x-user': 'a' })
    await holding(1)
    const over = await get('/fast', { 'x-user': 'a' })
    assert.deepEqual([over.status, await code(over)], [429, 'ERR_CONCURRENCY_KEY_LIMITED'])
    assert.equal((await get('/fast', { 'x-user': 'b' })).status, 200)
    gates[0]!.open()
    await (await held).text()
    await idle()
    assert.equal((await get('/fast', { 'x-user': 'a' })).status, 200)
  })

  it('frees the slot when the handler throws', async () => {
    const { get, idle } = serve({ max: 1 })
    const boom = await get('/boom')
    assert.equal(boom.status, 500)
    await boom.text() // the in-memory response finishes once read
    await idle()
    assert.equal((await get('/fast')).status, 200)
  })

  it('holds the slot until a streamed body has finished, not just until the handler returned', async () => {
    const { get, gates, holding, idle } = serve({ max: 1 })
    const streaming = await get('/stream')
    assert.equal(streaming.status, 200)
    assert.equal((await get('/fast')).status, 503)
    await holding(1)
    gates[0]!.open()
    assert.equal(await streaming.text(), 'start end')
    await idle()
    assert.equal((await get('/fast')).status, 200)
  })

  it('queues up to `queue` requests and serves them as slots free up; beyond, refuses at once', async () => {
    const { get, gates, holding, arrived } = serve({ max: 1, queue: 1 })
    const first = get('/hold')
    await holding(1)
    const queued = get('/fast')
    await arrived(2) // the queue's only place is taken
    assert.equal((await get('/fast')).status, 503)
    gates[0]!.open()
    assert.equal(await (await first).text(), 'held')
    assert.deepEqual([(await queued).status, await (await queued).text()], [200, 'fast'])
  })

  it('refuses a queued request after queueTimeout', async () => {
    const { get, gates, holding } = serve({ max: 1, queue: 5, queueTimeout: 20 })
    const held = get('/hold')
    await holding(1)
    const late = await get('/fast')
    // The queue had room (5) and the slot was still held: only the queue's timer can have refused it.
    assert.equal(late.status, 503)
    assert.equal(((await late.json()) as { code: string }).code, 'ERR_CONCURRENCY_LIMITED')
    gates[0]!.open()
    await held
  })

  it('keeps the slot of a handler still running after timeout() answered', async () => {
    const { timeout } = await import('../timeout/index.js')
    const app = createApp({ mode: 'test', logger: consoleLogger('silent') })
    const w = watcher()
    let closed = false
    let settled = false
    app.use(timeout(10), concurrency({ max: 1 }), async (c, next) => {
      c.raw.res.once('close', () => {
        closed = true
        w.signal()
      })
      try {
        await next()
      } finally {
        settled = true
        w.signal()
      }
    })
    const g = gate()
    app.get('/slow', async () => {
      await g.p
      return 'late'
    })
    app.get('/fast', () => 'fast')
    const late = await app.request('/slow')
    assert.equal(late.status, 503)
    await late.text()
    await w.when(() => closed) // the 503 is finished; the handler still runs
    assert.equal((await app.request('/fast')).status, 503)
    g.open()
    await w.when(() => settled)
    // concurrency()'s finally runs as the chain unwinds, in microtasks: one macrotask turn has them all.
    await new Promise((r) => setImmediate(r))
    assert.equal((await app.request('/fast')).status, 200)
  })

  it('refuses bad options when built', () => {
    const bad: unknown[] = [undefined, {}, { max: 0 }, { max: 1.5 }, { max: 1, queue: -1 }, { max: 1, queueTimeout: 0 }, { max: 1, key: 'ip' }]
    for (const o of bad) assert.throws(() => concurrency(o as ConcurrencyOptions), TypeError, JSON.stringify(o))
  })
})
