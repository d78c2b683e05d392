import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type Context, HttpError, createApp } from '../index.js'
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

  it('runs group middleware for 404, 405 and OPTIONS under the group, global middleware only elsewhere', async () => {
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
    await app.request('/apix')
    await app.request('/api/x', { method: 'DELETE' })
    await app.request('/api/nope')
    await app.request('/api/x', { method: 'OPTIONS' })
    assert.deepEqual(seen, ['global 404', 'global 404', 'group', 'global 405', 'group', 'global 404', 'group', 'global 204'])
  })

  it('refuses an unknown path under an authenticated group like a real one: no route enumeration', async () => {
    const app = quiet()
    const auth = (c: Context, next: () => Promise<void> | void) => {
      if (c.req.header('authorization') !== 'Token ok') throw new HttpError(401, 'Sign in first', { code: 'ERR_AUTH' })
      return next()
    }
    const api = app.group('/api', auth)
    api.get('/real', () => 'real')
    const orgs = api.group('/orgs/:org', async (c, next) => {
      c.header('x-org', c.params.org)
      await next()
    })
    orgs.get('/members', () => 'members')
    const token = { headers: { authorization: 'Token ok' } }
    const statuses = async (path: string, init?: RequestInit) => (await app.request(path, init)).status
    assert.deepEqual(await Promise.all(['/api/real', '/api/nope', '/api/real/', '/api/orgs/acme/nope'].map((p) => statuses(p))), [401, 401, 401, 401])
    assert.equal(await statuses('/api/real', { method: 'POST' }), 401)
    assert.equal(await statuses('/api/nope', token), 404)
    assert.equal(await statuses('/api/real', { ...token, method: 'POST' }), 405)
    // The innermost group decides, with the params of its prefix.
    const res = await app.request('/api/orgs/acme/nope', token)
    assert.deepEqual([res.status, res.headers.get('x-org')], [404, 'acme'])
    assert.equal(await statuses('/elsewhere'), 404)
  })

  it('lets the first group decide when two share a prefix', async () => {
    const app = quiet()
    app.group('/v1').get('/open', () => 'open')
    app.group('/v1', (c) => c.text('closed', 403)).get('/closed', () => 'never')
    assert.equal((await app.request('/v1/nope')).status, 404)
    assert.equal((await app.request('/v1/closed')).status, 403)
  })
})
