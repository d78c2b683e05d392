import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type App, createApp } from '../../index.js'
import { createLogger } from '../logger/index.js'
import type { StatsInfo } from '../stats/index.js'
import { type RecommendedOptions, recommended } from './index.js'

type Line = Record<string, unknown>
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

function app(options?: RecommendedOptions): App & { lines: Line[] } {
  const lines: Line[] = []
  const log = createLogger({ level: 'info', mode: 'test', destination: { write: (s: string) => void lines.push(JSON.parse(s)) } })
  const a = createApp({ mode: 'release', logger: log })
  a.use(...recommended(options))
  a.get('/hello', () => ({ hello: 'world' }))
  a.get('/bug', () => {
    throw new Error('internal detail')
  })
  return Object.assign(a, { lines })
}

async function call(a: App, path: string, headers?: Record<string, string>) {
  const res = await a.request(path, { headers })
  const text = await res.text()
  await sleep(5)
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
