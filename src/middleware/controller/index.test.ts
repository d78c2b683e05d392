import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { z } from 'zod'
import { type App, type Context, type Middleware, type ParamsOf, createApp, isAnnotation } from '../../index.js'
import { consoleLogger } from '../../utils/console-logger.js'
import { Controller, Describe, Get, Post, Use, Validate, controller, registerController } from './index.js'

function app(): App {
  return createApp({ mode: 'test', logger: consoleLogger('silent') })
}

/** A middleware that appends its name to the `x-trace` response header, to check the order of the chain. */
function trace(name: string): Middleware {
  return async (c, next) => {
    c.header('x-trace', `${c.res.get('x-trace') ?? ''}${name},`)
    await next()
  }
}

class Db {
  readonly users = new Map([['1', { id: '1', name: 'Ada' }]])
}

@Controller('/users')
@Use(trace('class-a'), trace('class-b'))
@Describe({ tags: ['users'] })
class UsersController {
  constructor(private readonly db: Db) {}

  @Get('/:id')
  @Use(trace('m1'))
  @Use(trace('m2'))
  show(c: Context<ParamsOf<'/:id'>>) {
    return this.db.users.get(c.params.id) ?? c.throw(404, 'No such user', { code: 'ERR_USER_NOT_FOUND' })
  }

  @Post('/')
  @Validate({ body: z.object({ name: z.string().min(1) }) })
  @Describe({ summary: 'Create a user' })
  create(c: Context) {
    const { name } = c.valid('body') as { name: string }
    const id = String(this.db.users.size + 1)
    this.db.users.set(id, { id, name })
    c.status(201)
    return { id, name }
  }

  @Get('/')
  @Get('/all')
  list() {
    return [...this.db.users.values()]
  }

  /** Not decorated: not a route. */
  helper() {
    return 'no'
  }
}

describe('controller (decorators)', () => {
  it('registers decorated methods as routes, bound to the instance given its dependencies', async () => {
    const a = app()
    const db = new Db()
    registerController(a, new UsersController(db))
    assert.deepEqual(
      a.routes().map((r) => `${r.method} ${r.pattern}`),
      ['GET /users/:id', 'POST /users', 'GET /users', 'GET /users/all'],
    )
    assert.deepEqual(await (await a.request('/users/1')).json(), { id: '1', name: 'Ada' })
    const created = await a.request('/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"Linus"}' })
    assert.equal(created.status, 201)
    assert.equal(db.users.get('2')?.name, 'Linus', 'the method ran on the instance holding db')
    assert.equal(((await (await a.request('/users/all')).json()) as unknown[]).length, 2)
    assert.equal((await a.request('/users/helper')).status, 404)
  })

  it('runs class middleware, then method middleware, in the order written', async () => {
    const a = app()
    registerController(a, new UsersController(new Db()))
    const res = await a.request('/users/1')
    assert.equal(res.headers.get('x-trace'), 'class-a,class-b,m1,m2,')
    // Unknown paths under the prefix pass the class middleware too, as a group's do.
    assert.equal((await a.request('/users/1/nope')).headers.get('x-trace'), 'class-a,class-b,')
  })

  it('validates with @Validate: 400 ERR_VALIDATION before the method runs', async () => {
    const a = app()
    const db = new Db()
    registerController(a, new UsersController(db))
    const res = await a.request('/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":""}' })
    assert.equal(res.status, 400)
    assert.equal(((await res.json()) as { code: string }).code, 'ERR_VALIDATION')
    assert.equal(db.users.size, 1)
  })

  it('lists @Describe as an annotation the request never runs', async () => {
    const a = app()
    registerController(a, new UsersController(new Db()))
    const post = a.routes().find((r) => r.method === 'POST')!
    assert.equal(post.handlers.filter(isAnnotation).length, 2, 'the class one and the method one')
  })

  it('inherits routes, a subclass method overriding its parent', async () => {
    @Controller('/v2')
    class V2 extends UsersController {
      @Get('/')
      override list() {
        return [{ id: 'v2', name: 'v2' }]
      }
    }
    const a = app()
    registerController(a, new V2(new Db()))
    assert.deepEqual(await (await a.request('/v2')).json(), [{ id: 'v2', name: 'v2' }])
    assert.equal((await a.request('/v2/1')).status, 200)
    assert.equal(a.routes().filter((r) => r.method === 'GET' && r.pattern === '/v2').length, 1)
    assert.equal((await a.request('/v2/1')).headers.get('x-trace'), 'class-a,class-b,m1,m2,', "the parent's class middleware")
  })

  it('refuses what is not a controller, and bad decorator arguments, when registered', () => {
    class Plain {}
    assert.throws(() => registerController(app(), new Plain()), /neither a @Controller class instance nor a controller\(\) definition/)
    assert.throws(() => Controller('users'), TypeError)
    assert.throws(() => Get('no-slash' as '/'), TypeError)
    assert.throws(() => Use('x' as unknown as Middleware), TypeError)
  })

  it('checks the method context against the pattern (types)', () => {
    class Typed {
      @Get('/:id')
      ok(c: Context<{ id: string }>) {
        return c.params.id
      }
      // @ts-expect-error the pattern has no :org
      @Get('/:id')
      wrong(c: Context<{ org: string }>) {
        return c.params.org
      }
    }
    assert.ok(Typed)
  })
})

describe('controller (definition)', () => {
  const db = new Db()
  const users = controller('/orgs/:org/users', {
    use: [trace('ctrl')],
    describe: { tags: ['users'] },
    routes: {
      'GET /:id': (c) => ({ org: c.params.org, user: db.users.get(c.params.id) ?? null }),
      'DELETE /:id': { use: [trace('route')], handler: (c) => (db.users.delete(c.params.id) ? { deleted: c.params.id } : null) },
      'POST /': {
        validate: { body: z.object({ name: z.string() }) },
        describe: { summary: 'Create' },
        handler: (c) => ({ org: c.params.org, body: c.valid('body') }),
      },
    },
  })

  it('registers plain routes with params typed from prefix and path', async () => {
    const a = app()
    registerController(a, users)
    assert.deepEqual(
      a.routes().map((r) => `${r.method} ${r.pattern}`),
      ['GET /orgs/:org/users/:id', 'DELETE /orgs/:org/users/:id', 'POST /orgs/:org/users'],
    )
    const res = await a.request('/orgs/acme/users/1')
    assert.deepEqual(await res.json(), { org: 'acme', user: { id: '1', name: 'Ada' } })
    assert.equal(res.headers.get('x-trace'), 'ctrl,')
    const del = await a.request('/orgs/acme/users/1', { method: 'DELETE' })
    assert.equal(del.headers.get('x-trace'), 'ctrl,route,')
    const bad = await a.request('/orgs/acme/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
    assert.equal(bad.status, 400)
    const ok = await a.request('/orgs/acme/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"x"}' })
    assert.deepEqual(await ok.json(), { org: 'acme', body: { name: 'x' } })
  })

  it('mounts on a group, under its prefix and middleware', async () => {
    const a = app()
    registerController(a.group('/api', trace('api')), users)
    const res = await a.request('/api/orgs/acme/users/1')
    assert.equal(res.status, 200)
    assert.equal(res.headers.get('x-trace'), 'api,ctrl,')
  })

  it('refuses a bad route key or a route without a handler', () => {
    assert.throws(() => controller('/x', { routes: { 'get /': () => 1 } }), /must be "<METHOD> \/path"/)
    // @ts-expect-error no handler
    assert.throws(() => controller('/x', { routes: { 'GET /': { validate: {} } } }), /needs a handler function/)
  })

  it('types params from the key (types)', () => {
    controller('/a/:org', {
      routes: {
        'GET /:id': (c) => `${c.params.org}${c.params.id}`,
        // @ts-expect-error no :name in the pattern
        'GET /x/:id': (c) => c.params.name,
      },
    })
  })
})
