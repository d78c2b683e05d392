import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Registry } from 'prom-client'
import { type App, createApp } from '../../index.js'
import { consoleLogger } from '../../utils/console-logger.js'
import { type MetricsOptions, metrics } from './index.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

function app(options?: MetricsOptions): App {
  const a = createApp({ mode: 'test', logger: consoleLogger('silent') })
  a.use(metrics({ defaultMetrics: false, ...options }))
  a.get('/users/:id', (c) => ({ id: c.params.id }))
  a.get('/slow', async () => {
    await held
    return 'ok'
  })
  return a
}

let release: () => void = () => {}
let held = Promise.resolve()
/** Holds /slow until `release()`: the test decides when it ends, not a timer. */
function hold(): void {
  held = new Promise<void>((r) => {
    release = r
  })
}

async function text(a: App, path: string): Promise<string> {
  return (await a.request(path)).text()
}

/**
 * Scrapes `read()` until `ready(out)` holds: a request is measured when Node finished its response, which
 * may come a turn after the client read it. The bound only stops a broken test from hanging.
 */
async function scrapeUntil(read: () => Promise<string>, ready: (out: string) => boolean): Promise<string> {
  const end = performance.now() + 20_000
  for (;;) {
    const out = await read()
    if (ready(out)) return out
    if (performance.now() > end) throw new Error(`metrics never got there: ${out.slice(0, 2000)}`)
    await sleep(5)
  }
}

/** The value of one sample line, `name{labels} value`. */
function sample(out: string, name: string, labels = ''): number | undefined {
  const line = out.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `))
  return line === undefined ? undefined : Number(line.split(' ').pop())
}

describe('metrics', () => {
  it('serves a latency histogram by method, route pattern and status in Prometheus text', async () => {
    const a = app()
    await text(a, '/users/1')
    await text(a, '/users/2')
    await text(a, '/nope/1')
    const res = await a.request('/metrics')
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/)
    await res.text()
    const out = await scrapeUntil(
      () => text(a, '/metrics'),
      (o) => sample(o, 'http_request_duration_seconds_count', 'method="GET",route="(unmatched)",status="404"') === 1,
    )
    assert.match(out, /# TYPE http_request_duration_seconds histogram/)
    assert.equal(sample(out, 'http_request_duration_seconds_count', 'method="GET",route="/users/:id",status="200"'), 2)
    assert.equal(sample(out, 'http_request_duration_seconds_count', 'method="GET",route="(unmatched)",status="404"'), 1)
    assert.equal(sample(out, 'http_request_duration_seconds_bucket', 'le="10",method="GET",route="/users/:id",status="200"'), 2)
    assert.equal(sample(out, 'http_requests_in_flight'), 0)
    assert.doesNotMatch(out, /route="\/users\/1"/, 'the raw path is never a label')
    assert.doesNotMatch(out, /route="\/metrics"/, 'scrapes are not measured')
  })

  it('the in-flight gauge counts requests being handled', async () => {
    const a = app()
    hold()
    const slow = text(a, '/slow')
    assert.equal(sample(await text(a, '/metrics'), 'http_requests_in_flight'), 1)
    release()
    await slow
    await scrapeUntil(
      () => text(a, '/metrics'),
      (o) => sample(o, 'http_requests_in_flight') === 0,
    )
  })

  it('collects process metrics by default; prefix, path and registry are options', async () => {
    const registry = new Registry()
    const a = createApp({ mode: 'test', logger: consoleLogger('silent') })
    const m = metrics({ prefix: 'svc_', path: false, registry })
    assert.equal(m.registry, registry)
    a.use(m)
    a.get('/', () => 'ok')
    assert.equal((await a.request('/metrics')).status, 404)
    await text(a, '/')
    const out = await scrapeUntil(
      () => registry.metrics(),
      (o) => sample(o, 'svc_http_request_duration_seconds_count', 'method="GET",route="/",status="200"') !== undefined,
    )
    assert.match(out, /^svc_process_cpu_user_seconds_total /m)
    assert.equal(sample(out, 'svc_http_request_duration_seconds_count', 'method="GET",route="/",status="200"'), 1)
  })

  it('two apps in one process do not collide (a registry each by default)', async () => {
    assert.doesNotThrow(() => {
      app()
      app()
    })
  })

  it('refuses bad options when built', () => {
    assert.throws(() => metrics({ path: 'metrics' }), TypeError)
    assert.throws(() => metrics({ buckets: [] }), TypeError)
    assert.throws(() => metrics({ buckets: [0.1, -1] }), TypeError)
    assert.throws(() => metrics({ skip: 1 as never }), TypeError)
  })
})
