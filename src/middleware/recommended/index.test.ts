import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type App, createApp } from '../../index.js'
import { createLogger } from '../logger/index.js'
import type { StatsInfo } from '../stats/index.js'
import { type RecommendedOptions, recommended } from './index.js'

type Line = Record<string, unknown>

/**
 * The app, with an outermost middleware noting when each response closes. The access log, stats and
 * metrics are written by `close` listeners too; the note is made in a listener of the same event and seen
 * by the test only after that event has run them all, so once a response is closed here its line is
 * written, or never will be.
 */
function app(options?: RecommendedOptions): App & { lines: Line[]; closed: Array<{ done: boolean }> } {
  const lines: Line[] = []
  const closed: Array<{ done: boolean }> = []
  const log = createLogger({ level: 'info', mode: 'test', destination: { write: (s: string) => void lines.push(JSON.parse(s)) } })
  const a = createApp({ mode: 'release', logger: log })
  a.use(async (c, next) => {
    const note = { done: false }
    closed.push(note)
    c.raw.res.once('close', () => {
      note.done = true
    })
    await next()
  })
  a.use(...recommended(options))
  a.get('/hello', () => ({ hello: 'world' }))
  a.get('/bug', () => {
    throw new Error('internal detail')
  })
  return Object.assign(a, { lines, closed })
}

/** A request read to its end, and its response closed (its access line written, its stats and metrics counted). */
async function call(a: ReturnType<typeof app>, path: string, headers?: Record<string, string>) {
  const res = await a.request(path, { headers })
  const text = await res.text()
  // The 30 s bound only keeps a broken test from hanging.
  const end = performance.now() + 30_000
  while (!a.closed.every((n) => n.done)) {
    if (performance.now() > end) throw new Error(`the response to ${path} did not close`)
    await new Promise((r) => setTimeout(r, 1))
  }
  return { res, text }
}

describe('recommended', () => {
  it('requestId → logger → recover: the id is echoed, logged, and in the error answer', async () => {
    const a = app()
    const ok = await call(a, '/hello', { 'x-request-id': 'req-1' })
    assert.equal(ok.res.headers.get('x-request-id'), 'req-1')
    const bug = await call(a, '/bug', { 'x-request-id': 'req-2' })
    assert.equal(bug.res.status, 500)
    assert.equal(bug.res.headers.get('content-type'), 'application/json')
    assert.equal((JSON.parse(bug.text) as Line).requestId, 'req-2')
    assert.doesNotMatch(bug.text, /internal detail/)
    const access = a.lines.filter((l) => l.msg === 'http access log')
    assert.deepEqual(access.map((l) => [l.requestId, l.status, l.route]), [['req-1', 200, '/hello'], ['req-2', 500, '/bug']])
    const error = a.lines.find((l) => l.msg === 'internal detail')!
    assert.deepEqual([error.requestId, error.level], ['req-2', 50])
  })

  it('adds stats and metrics when asked; metrics scrapes are not access-logged', async () => {
    const seen: StatsInfo[] = []
    const a = app({ stats: { onStats: (s) => void seen.push(s) }, metrics: { defaultMetrics: false } })
    await call(a, '/hello')
    const scrape = await call(a, '/metrics')
    assert.match(scrape.text, /http_request_duration_seconds_count\{method="GET",route="\/hello",status="200"\} 1/)
    assert.deepEqual(seen.map((s) => [s.uri, s.status]), [['/hello', 200]])
    assert.deepEqual(a.lines.filter((l) => l.msg === 'http access log').map((l) => l.path), ['/hello'])
  })

  it('leaves out what is false', async () => {
    const a = app({ requestId: false, logger: false, recover: false })
    const ok = await call(a, '/hello')
    assert.equal(ok.res.headers.get('x-request-id'), null)
    const bug = await call(a, '/bug')
    assert.equal(bug.res.headers.get('content-type'), 'application/json', "the app's own error answer")
    assert.equal(a.lines.filter((l) => l.msg === 'http access log').length, 0)
  })

  it('passes options through, and their errors surface when built', () => {
    assert.throws(() => recommended({ logger: { format: '{nope}' } }), TypeError)
    assert.throws(() => recommended({ requestId: { maxLength: -1 } }), TypeError)
    assert.throws(() => recommended({ stats: {} as never }), TypeError)
  })
})

describe('recommended: the order', () => {
  it('is requestId, metrics, logger, stats, recover — named for stack traces', () => {
    const names = recommended({ metrics: { defaultMetrics: false }, stats: { onStats() {} } }).map((m) => m.name)
    assert.deepEqual(names, ['requestId', 'metrics', 'logger', 'stats', 'recover'])
    assert.deepEqual(recommended().map((m) => m.name), ['requestId', 'logger', 'recover'])
  })
})
