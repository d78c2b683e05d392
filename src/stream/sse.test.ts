import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type Context, createApp, formatEvent, wantsFlush } from '../index.js'
import { consoleLogger } from '../utils/console-logger.js'
import type { SSEStream } from './sse.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

function app(handler: (c: Context) => unknown) {
  const a = createApp({ mode: 'test', logger: consoleLogger('silent') })
  a.get('/e', handler)
  return a
}

describe('formatEvent', () => {
  const cases: Array<[string, Parameters<typeof formatEvent>[0], string]> = [
    ['a string is data', 'hi', 'data: hi\n\n'],
    ['all fields', { event: 'tick', id: 3, retry: 500, data: 'x' }, 'event: tick\nid: 3\nretry: 500\ndata: x\n\n'],
    ['multi-line data, any line ending', { data: 'a\nb\r\nc\rd' }, 'data: a\ndata: b\ndata: c\ndata: d\n\n'],
    ['trailing newline keeps an empty data line', { data: 'a\n' }, 'data: a\ndata: \n\n'],
    ['non-strings as JSON', { data: { a: [1, 'two\nlines'] } }, 'data: {"a":[1,"two\\nlines"]}\n\n'],
    ['an event without data', { event: 'ping' }, 'event: ping\n\n'],
  ]
  for (const [name, event, wire] of cases) it(name, () => assert.equal(formatEvent(event), wire))

  it('refuses event names and ids that would inject fields, bad retry values', () => {
    assert.throws(() => formatEvent({ event: 'a\ndata: injected', data: 'x' }), TypeError)
    assert.throws(() => formatEvent({ id: '1\r\nevent: evil' }), TypeError)
    assert.throws(() => formatEvent({ id: 'a\0b' }), TypeError)
    assert.throws(() => formatEvent({ retry: -1 }), TypeError)
    assert.throws(() => formatEvent({ retry: 1.5 }), TypeError)
  })
})

describe('c.sse()', () => {
  it('sets the SSE headers and streams the events of a callback, then ends', async () => {
    const res = await app((c) =>
      c.sse(async (stream) => {
        await stream.send({ event: 'a', data: 'one' })
        await stream.comment('note')
        await stream.send({ id: 2, data: { two: 2 } })
      }),
    ).request('/e')
    assert.equal(res.headers.get('content-type'), 'text/event-stream')
    assert.equal(res.headers.get('cache-control'), 'no-cache')
    assert.equal(res.headers.get('x-accel-buffering'), 'no')
    assert.equal(await res.text(), 'event: a\ndata: one\n\n: note\n\nid: 2\ndata: {"two":2}\n\n')
  })

  it('streams an async iterable (strings are data), with an initial retry', async () => {
    async function* events() {
      yield 'first'
      yield { event: 'second', data: 2 }
    }
    const res = await app((c) => c.sse(events(), { retry: 3000 })).request('/e')
    assert.equal(await res.text(), 'retry: 3000\n\ndata: first\n\nevent: second\ndata: 2\n\n')
  })

  it('exposes Last-Event-ID as stream.lastEventId', async () => {
    const res = await app((c) => c.sse((s) => s.send(s.lastEventId ?? 'none'))).request('/e', { headers: { 'last-event-id': '41' } })
    assert.equal(await res.text(), 'data: 41\n\n')
  })

  it('sends heartbeat comments while idle', async () => {
    // The callback stays idle until the client has read two pings, however long the timers take.
    let heard!: () => void
    const twoPings = new Promise<void>((r) => {
      heard = r
    })
    // The heartbeat timer is unref'd (it must not hold a server's process open): hold this one open meanwhile.
    const alive = setInterval(() => {}, 1000)
    let text = ''
    try {
      const res = await app((c) => c.sse((s) => twoPings.then(() => s.send('late')), { heartbeat: 20 })).request('/e')
      const decoder = new TextDecoder()
      const reader = res.body!.getReader()
      for (let r = await reader.read(); !r.done; r = await reader.read()) {
        text += decoder.decode(r.value, { stream: true })
        if ((text.match(/: ping\n\n/g) ?? []).length >= 2) heard()
      }
    } finally {
      clearInterval(alive)
    }
    assert.match(text, /^(: ping\n\n){2,}data: late\n\n$/)
  })

  it('is a body like any other: middleware after next() see it, marked for per-chunk flushing', async () => {
    let seen: unknown
    const a = app((c) => c.sse((s) => s.send('x')))
    a.use(async (c, next) => {
      await next()
      seen = c.res.body
      c.header('x-saw', String(wantsFlush(c.res.body)))
    })
    const res = await a.request('/e')
    assert.equal(res.headers.get('x-saw'), 'true')
    assert.ok(seen !== null && typeof seen === 'object')
    assert.equal(await res.text(), 'data: x\n\n')
  })

  it('never runs the callback for HEAD, or when a middleware replaces the body', async () => {
    let ran = 0
    const a = app((c) => c.sse(() => void ran++))
    a.use(async (c, next) => {
      await next()
      if (c.req.query.replace) c.json({ replaced: true })
    })
    assert.equal((await a.request('/e', { method: 'HEAD' })).status, 200)
    assert.deepEqual(await (await a.request('/e?replace=1')).json(), { replaced: true })
    await sleep(10)
    assert.equal(ran, 0)
  })

  it('after close(), sends resolve false and the signal has fired', async () => {
    let after: boolean | undefined
    let stream: SSEStream | undefined
    const res = await app((c) =>
      c.sse(async (s) => {
        stream = s
        await s.send('one')
        s.close()
        after = await s.send('two')
      }),
    ).request('/e')
    assert.equal(await res.text(), 'data: one\n\n')
    assert.equal(after, false)
    assert.ok(stream?.closed && stream.signal.aborted)
  })

  it('refuses bad sources and options with TypeError', async () => {
    for (const bad of [(c: Context) => c.sse(42 as never), (c: Context) => c.sse(() => {}, { heartbeat: -1 })]) {
      assert.equal((await app(bad).request('/e')).status, 500)
    }
  })
})
