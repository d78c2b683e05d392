import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { createApp } from '../index.js'
import type { Context } from './context.js'

/** Resolves when the context's Node response emits `close` (what the access log and stats wait for); rejects after `ms`. */
function closed(c: Context, ms = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`the response did not close within ${ms} ms`)), ms)
    c.raw.res.once('close', () => {
      clearTimeout(t)
      resolve()
    })
  })
}

function appWatchingClose() {
  const app = createApp()
  const done: Array<Promise<void>> = []
  app.use(async (c, next) => {
    done.push(closed(c))
    await next()
  })
  return { app, done }
}

describe('app.request() response lifecycle', () => {
  it('finishes a buffered body at once, although nobody reads it', async () => {
    const { app, done } = appWatchingClose()
    app.get('/small', () => ({ hello: 'world' }))
    app.get('/big', () => 'x'.repeat(1 << 20))
    const small = await app.request('/small')
    const big = await app.request('/big')
    await Promise.all(done)
    // Still readable afterwards.
    assert.deepEqual(await small.json(), { hello: 'world' })
    assert.equal((await big.text()).length, 1 << 20)
  })

  it('finishes a stream when it is read to the end', async () => {
    const { app, done } = appWatchingClose()
    app.get('/s', async function* () {
      yield 'a'
      yield 'b'
    })
    const res = await app.request('/s')
    assert.equal(await res.text(), 'ab')
    await Promise.all(done)
  })

  it('finishes a stream, stopping its source, when the reader cancels it', async () => {
    const { app, done } = appWatchingClose()
    let stopped!: () => void
    const stop = new Promise<void>((r) => {
      stopped = r
    })
    app.get('/endless', async function* () {
      try {
        for (;;) yield 'tick\n'
      } finally {
        stopped()
      }
    })
    const res = await app.request('/endless')
    const reader = res.body!.getReader()
    await reader.read()
    await reader.cancel()
    await Promise.all([stop, ...done])
  })

  it('finishes a stream, stopping its source, when the caller drops it unread', async () => {
    setFlagsFromString('--expose-gc')
    const gc = runInNewContext('gc') as () => void
    const { app, done } = appWatchingClose()
    let stoppedFlag = false
    app.get('/endless', async function* () {
      try {
        for (;;) yield 'tick\n'
      } finally {
        stoppedFlag = true
      }
    })
    await (async () => {
      const res = await app.request('/endless')
      assert.equal(res.status, 200)
    })()
    const end = Date.now() + 10_000
    while (!stoppedFlag && Date.now() < end) {
      gc()
      await new Promise((r) => setTimeout(r, 20))
    }
    assert.ok(stoppedFlag, 'the source was stopped once its body was collected')
    await Promise.all(done)
  })

  it('keeps a body that is being read, however often the collector runs (only a dropped one is freed)', async () => {
    setFlagsFromString('--expose-gc')
    const gc = runInNewContext('gc') as () => void
    const app = createApp()
    const chunk = 'x'.repeat(64 * 1024)
    app.get('/big', function* () {
      for (let i = 0; i < 100; i++) yield chunk
    })
    // The collector runs all the time, from a timer that holds nothing of the reader.
    const collector = setInterval(gc, 1)
    try {
      for (let round = 0; round < 3; round++) {
        const reader = (await app.request('/big')).body!.getReader()
        let got = 0
        for (let r = await reader.read(); !r.done; r = await reader.read()) got += r.value.length
        assert.equal(got, 100 * 64 * 1024)
      }
    } finally {
      clearInterval(collector)
    }
  })
})
