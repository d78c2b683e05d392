import assert from 'node:assert/strict'
import { Readable } from 'node:stream'
import { describe, it } from 'node:test'
import { type App, HttpError, createApp } from '../../index.js'
import { consoleLogger } from '../../utils/console-logger.js'
import { recover } from '../recover/index.js'
import { requestId } from '../request-id/index.js'
import { type StatsInfo, stats } from './index.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

function setup(lines: string[] = []) {
  const seen: StatsInfo[] = []
  const app = createApp({ mode: 'test', logger: consoleLogger('debug', (l) => lines.push(l)) })
  return { app, seen, onStats: (s: StatsInfo) => void seen.push(s) }
}

async function get(app: App, path: string, init?: RequestInit): Promise<Response> {
  const res = await app.request(path, init)
  await res.arrayBuffer()
  return res
}

/** Waits for `cond` (the report comes when Node finished the response); the bound only stops a hang. */
async function until(cond: () => boolean): Promise<void> {
  const end = performance.now() + 20_000
  while (!cond()) {
    if (performance.now() > end) throw new Error('timed out')
    await sleep(5)
  }
}

describe('stats', () => {
  it('reports ip, method, route, uri, status, sizes, latency and the request id', async () => {
    const { app, seen, onStats } = setup()
    app.use(requestId({ generate: () => 'id-1' }), stats({ onStats }))
    app.post('/items/:id', (c) => c.json({ ok: true, id: c.params.id }, 201))
    await get(app, '/items/9?full=1', { method: 'POST', body: 'x'.repeat(300), headers: { 'content-length': '300' } })
    await until(() => seen.length === 1)
    const s = seen[0]!
    assert.deepEqual(
      { ...s, latency: typeof s.latency },
      {
        ip: '127.0.0.1',
        method: 'POST',
        route: '/items/:id',
        uri: '/items/9?full=1',
        status: 201,
        connecting: 1,
        latency: 'number',
        requestSize: 300,
        size: 20, // {"ok":true,"id":"9"}
        sizeHuman: '20B',
        aborted: false,
        requestId: 'id-1',
      },
    )
  })

  it('sees the real final status: recover()\'s answer, or the app\'s when nothing caught the error', async () => {
    const { app, seen, onStats } = setup()
    app.use(stats({ onStats }))
    app.get('/unprocessable', () => {
      throw new HttpError(422, 'nope')
    }, )
    app.get('/bug', () => {
      throw new TypeError('undefined is not a function')
    })
    const guarded = app.group('/guarded', recover())
    guarded.get('/bug', () => {
      throw new Error('bug')
    })
    await get(app, '/unprocessable')
    await get(app, '/bug')
    await get(app, '/guarded/bug')
    await get(app, '/nowhere')
    await until(() => seen.length === 4)
    assert.deepEqual(
      seen.map((s) => [s.uri, s.status, s.route]),
      [
        ['/unprocessable', 422, '/unprocessable'],
        ['/bug', 500, '/bug'],
        ['/guarded/bug', 500, '/guarded/bug'],
        ['/nowhere', 404, ''],
      ],
    )
  })

  it('reports for both apps when one is mounted in the other through handler(), streams counted for each', async () => {
    const outer = setup()
    const inner = setup()
    inner.app.use(stats({ onStats: inner.onStats }))
    inner.app.get('/sub/stream', (c) => c.body(Readable.from(['ab', 'cde'])))
    const mounted = inner.app.handler()
    outer.app.use(stats({ onStats: outer.onStats }))
    outer.app.get('/sub/*', (c) => {
      c.res.bypass = true
      mounted(c.raw.req, c.raw.res)
    })
    await get(outer.app, '/sub/stream')
    await until(() => outer.seen.length === 1 && inner.seen.length === 1)
    assert.deepEqual([inner.seen[0]!.route, inner.seen[0]!.size, inner.seen[0]!.status], ['/sub/stream', 5, 200])
    assert.deepEqual([outer.seen[0]!.route, outer.seen[0]!.size, outer.seen[0]!.status], ['/sub/*', 5, 200])
  })

  it('counts requests in flight ("connecting")', async () => {
    const { app, seen, onStats } = setup()
    app.use(stats({ onStats }))
    // Each handler waits until `wanted` of them are in flight together, so they overlap on any machine.
    let inside = 0
    let wanted = 3
    let all!: () => void
    let together = new Promise<void>((r) => {
      all = r
    })
    app.get('/slow', async () => {
      if (++inside === wanted) all()
      await together
      inside--
      return 'ok'
    })
    await Promise.all([get(app, '/slow'), get(app, '/slow'), get(app, '/slow')])
    await until(() => seen.length === 3)
    assert.deepEqual(seen.map((s) => s.connecting).sort(), [1, 2, 3])
    wanted = 1
    together = new Promise<void>((r) => {
      all = r
    })
    await get(app, '/slow')
    await until(() => seen.length === 4)
    assert.equal(seen[3]!.connecting, 1)
  })

  it('counts the bytes of a streamed body, and a HEAD as 0', async () => {
    const { app, seen, onStats } = setup()
    app.use(stats({ onStats }))
    app.get('/gen', async function* () {
      yield 'a'.repeat(2000)
      yield new Uint8Array(48)
    })
    await get(app, '/gen')
    await get(app, '/gen', { method: 'HEAD' })
    await until(() => seen.length === 2)
    assert.deepEqual(seen.map((s) => [s.size, s.sizeHuman]), [[2048, '2KB'], [0, '0B']])
  })

  it('logs an onStats that throws instead of crashing', async () => {
    const lines: string[] = []
    const { app } = setup(lines)
    app.use(stats({ onStats: () => { throw new Error('bad callback') } }))
    app.get('/', () => 'ok')
    assert.equal((await get(app, '/')).status, 200)
    await until(() => lines.some((l) => l.includes('ERR_STATS_CALLBACK_FAILED')))
  })

  it('skips what skip() says; refuses bad options when built', async () => {
    const { app, seen, onStats } = setup()
    app.use(stats({ onStats, skip: (c) => c.req.path === '/healthz' }))
    app.get('/healthz', () => 'ok')
    app.get('/other', () => 'ok')
    await get(app, '/healthz')
    // A request after it is reported; had /healthz been measured, its report would have come first.
    await get(app, '/other')
    await until(() => seen.length > 0)
    assert.deepEqual(seen.map((s) => s.uri), ['/other'])
    assert.throws(() => stats({} as never), TypeError)
    assert.throws(() => stats({ onStats, skip: 'x' as never }), TypeError)
  })
})
