import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createApp } from '../index.js'
import { consoleLogger } from '../utils/console-logger.js'

const quiet = () => createApp({ logger: consoleLogger('silent') })

describe('compose', () => {
  it('runs code before next() first to last and after it last to first (onion)', async () => {
    const app = quiet()
    const seen: string[] = []
    app.use(async (_c, next) => {
      seen.push('a1')
      await next()
      seen.push('a2')
    })
    app.use((_c, next) => {
      seen.push('b1')
      return next()
    })
    app.use(async (_c, next) => {
      seen.push('c1')
      await next()
      seen.push('c2')
    })
    app.get('/', () => {
      seen.push('handler')
      return 'ok'
    })
    const res = await app.request('/')
    assert.equal(await res.text(), 'ok')
    assert.deepEqual(seen, ['a1', 'b1', 'c1', 'handler', 'c2', 'a2'])
  })

  it('stops the chain when a middleware does not call next()', async () => {
    const app = quiet()
    let reached = false
    app.use((c) => {
      c.status(401).text('no')
    })
    app.get('/', () => {
      reached = true
      return 'yes'
    })
    const res = await app.request('/')
    assert.equal(res.status, 401)
    assert.equal(await res.text(), 'no')
    assert.equal(reached, false)
  })

  it('answers 500 ERR_NEXT_CALLED_TWICE when a middleware calls next() twice', async () => {
    const app = quiet()
    app.use(async function twice(_c, next) {
      await next()
      await next()
    })
    app.get('/', () => 'ok')
    const res = await app.request('/', { headers: { accept: 'application/json' } })
    assert.equal(res.status, 500)
    const body = (await res.json()) as { code: string }
    assert.equal(body.code, 'ERR_NEXT_CALLED_TWICE')
  })

  it('lets middleware after next() read and replace status, headers and body', async () => {
    const app = quiet()
    app.use(async (c, next) => {
      await next()
      assert.equal(c.res.status, 201)
      assert.equal(c.res.body, '{"a":1}')
      c.res.body = `${c.res.body as string}!`
      c.res.set('x-seen', String(c.res.get('content-type')))
    })
    app.get('/', (c) => c.json({ a: 1 }, 201))
    const res = await app.request('/')
    assert.equal(res.status, 201)
    assert.equal(res.headers.get('x-seen'), 'application/json')
    assert.equal(await res.text(), '{"a":1}!')
  })

  it('sees sync throws and async rejections from downstream in a try/catch', async () => {
    const app = quiet()
    const caught: string[] = []
    app.use(async (c, next) => {
      try {
        await next()
      } catch (err) {
        caught.push((err as Error).message)
        c.text('recovered', 200)
      }
    })
    app.get('/sync', () => {
      throw new Error('sync boom')
    })
    app.get('/async', async () => {
      await new Promise((r) => setTimeout(r, 1))
      throw new Error('async boom')
    })
    assert.equal(await (await app.request('/sync')).text(), 'recovered')
    assert.equal(await (await app.request('/async')).text(), 'recovered')
    assert.deepEqual(caught, ['sync boom', 'async boom'])
  })

  it('applies group middleware after global middleware, outer group before inner', async () => {
    const app = quiet()
    const seen: string[] = []
    const mark = (name: string) => async (_c: unknown, next: () => Promise<void> | void) => {
      seen.push(name)
      await next()
    }
    app.use(mark('global'))
    const api = app.group('/api', mark('api'))
    const v1 = api.group('/v1', mark('v1'))
    v1.get('/items/:id', mark('route'), (c) => ({ id: c.params.id }))
    const res = await app.request('/api/v1/items/7')
    assert.deepEqual(await res.json(), { id: '7' })
    assert.deepEqual(seen, ['global', 'api', 'v1', 'route'])
  })

  it('applies app.use() called after routes exist to those routes too (chains are rebuilt)', async () => {
    const app = quiet()
    app.get('/', () => 'ok')
    assert.equal((await app.request('/')).headers.get('x-late'), null)
    app.use(async (c, next) => {
      await next()
      c.header('x-late', 'yes')
    })
    assert.equal((await app.request('/')).headers.get('x-late'), 'yes')
    assert.equal((await app.request('/missing')).headers.get('x-late'), 'yes')
  })

  it('runs global middleware for 404 and 405 but not group middleware', async () => {
    const app = quiet()
    const seen: string[] = []
    app.use(async (c, next) => {
      await next()
      seen.push(`global ${c.res.status}`)
    })
    app.group('/api', async (_c, next) => {
      seen.push('group')
      await next()
    }).get('/x', () => 'x')
    await app.request('/nope')
    await app.request('/api/x', { method: 'DELETE' })
    assert.deepEqual(seen, ['global 404', 'global 405'])
  })
})
