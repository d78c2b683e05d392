import assert from 'node:assert/strict'
import { describe as suite, it } from 'node:test'
import { Validator } from '@seriousme/openapi-schema-validator'
import { type } from 'arktype'
import * as v from 'valibot'
import { z } from 'zod'
import { type App, type AppOptions, type Context, type ParamsOf, createApp } from '../../index.js'
import { consoleLogger } from '../../utils/console-logger.js'
import { Controller, Describe, Get, Post, Validate, controller, registerController } from '../controller/index.js'
import { validate } from '../validate/index.js'
import { type OpenAPIDocument, describe, openapi, toJsonSchema } from './index.js'
import { pathTemplates } from './paths.js'

function app(options: AppOptions = {}): App {
  return createApp({ mode: 'test', logger: consoleLogger('silent'), ...options })
}

const User = z.object({ id: z.string(), name: z.string() })

@Controller('/users')
@Describe({ tags: ['users'] })
class UsersController {
  @Get('/:id(\\d+)')
  @Describe({ summary: 'One user', responses: { 200: User, 404: { description: 'No such user' } } })
  show(c: Context<ParamsOf<'/:id'>>) {
    return { id: c.params.id, name: 'Ada' }
  }

  @Post('/')
  @Validate({ body: type({ name: 'string > 0', 'age?': 'number.integer' }) })
  create(c: Context) {
    c.status(201)
    return c.valid('body')
  }
}

/** An app with params, query, body (zod and arktype), a header, controllers, groups and response schemas. */
function sample(a = app()): App {
  const search = validate({ query: z.object({ q: z.string(), page: z.coerce.number().int().optional() }) })
  a.get('/search', describe({ summary: 'Search', operationId: 'search' }), search, () => [])
  const api = a.group('/api/:tenant', describe({ tags: ['api'] }), validate({ headers: z.object({ 'x-key': z.string() }) }))
  api.put('/items/:itemId', validate({ params: z.object({ tenant: z.string(), itemId: z.string().uuid() }), body: z.object({ title: z.string().max(80) }) }), (c) => c.params)
  a.get('/files/*path', (c) => c.params.path)
  a.get('/posts/:slug?', () => [])
  a.get('/hidden', describe({ hidden: true }), () => 'no')
  registerController(a, new UsersController())
  registerController(a, controller('/health', { routes: { 'GET /': { describe: { summary: 'Health', responses: { 200: { schema: { type: 'object', properties: { ok: { type: 'boolean' } } } } } }, handler: () => ({ ok: true }) } } }))
  return a
}

async function assertValid(doc: OpenAPIDocument): Promise<void> {
  const validator = new Validator()
  const res = await validator.validate(structuredClone(doc) as never)
  assert.equal(validator.version, '3.1')
  assert.equal(res.valid, true, JSON.stringify(res.errors, null, 1))
}

suite('openapi', () => {
  it('builds a valid OpenAPI 3.1 document from the routes', async () => {
    const doc = openapi(sample(), { info: { title: 'Sample', version: '1.2.3' }, servers: [{ url: 'https://api.example.com' }] }).document()
    await assertValid(doc)
    assert.deepEqual(Object.keys(doc.paths).sort(), ['/api/{tenant}/items/{itemId}', '/files/{path}', '/health', '/posts', '/posts/{slug}', '/search', '/users', '/users/{id}'])
    assert.equal(doc.info.title, 'Sample')
    assert.deepEqual(doc.servers, [{ url: 'https://api.example.com' }])
  })

  it('documents query parameters from a zod schema, required or not', () => {
    const op = openapi(sample()).document().paths['/search']!.get!
    assert.equal(op.summary, 'Search')
    assert.equal(op.operationId, 'search')
    const params = op.parameters as Array<{ name: string; in: string; required: boolean; schema: { type: string } }>
    assert.deepEqual(
      params.map((p) => [p.name, p.in, p.required, p.schema.type]),
      [
        ['q', 'query', true, 'string'],
        ['page', 'query', false, 'integer'],
      ],
    )
    const responses = op.responses as Record<string, unknown>
    assert.ok(responses['400'], 'a validated route documents ERR_VALIDATION')
    assert.deepEqual(responses.default, { description: "An error, in the app's one error format (`code` is a stable `ERR_*` name)", content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } })
  })

  it("documents a validator's own status for invalid input (422), not 400", () => {
    const a = app()
    a.post('/orders', validate({ body: z.object({ sku: z.string() }) }, { status: 422 }), () => ({ ok: true }))
    a.get('/orders', validate({ query: z.object({ page: z.string() }) }), () => [])
    const paths = openapi(a).document().paths
    const post = paths['/orders']!.post!.responses as Record<string, { description: string }>
    assert.deepEqual(Object.keys(post).sort(), ['201', '422', 'default'])
    assert.match(post['422']!.description, /ERR_VALIDATION/)
    assert.deepEqual(Object.keys(paths['/orders']!.get!.responses as object).sort(), ['200', '400', 'default'])
  })

  it('documents path params (schemas from validate), group headers and tags, and the body', () => {
    const op = openapi(sample()).document().paths['/api/{tenant}/items/{itemId}']!.put!
    const params = op.parameters as Array<{ name: string; in: string; required: boolean; schema: { format?: string } }>
    assert.deepEqual(
      params.map((p) => [p.name, p.in, p.required]),
      [
        ['tenant', 'path', true],
        ['itemId', 'path', true],
        ['x-key', 'header', true],
      ],
    )
    assert.equal(params[1]!.schema.format, 'uuid')
    assert.deepEqual(op.tags, ['api'])
    assert.deepEqual(op.requestBody, { required: true, content: { 'application/json': { schema: { type: 'object', properties: { title: { type: 'string', maxLength: 80 } }, required: ['title'] } } } })
  })

  it('documents controllers: arktype body, response schemas, constrained params, class tags', () => {
    const paths = openapi(sample()).document().paths
    const show = paths['/users/{id}']!.get!
    assert.deepEqual(show.tags, ['users'])
    assert.equal(show.summary, 'One user')
    assert.deepEqual((show.parameters as Array<{ schema: unknown }>)[0]!.schema, { type: 'string', pattern: '^(?:\\d+)$' })
    const responses = show.responses as Record<string, { description: string; content?: Record<string, { schema: { properties: object } }> }>
    assert.deepEqual(Object.keys(responses['200']!.content!['application/json']!.schema.properties), ['id', 'name'])
    assert.equal(responses['404']!.description, 'No such user')
    const create = paths['/users']!.post!
    const body = (create.requestBody as { content: Record<string, { schema: { required: string[]; properties: Record<string, unknown> } }> }).content['application/json']!.schema
    assert.deepEqual(body.required, ['name'])
    assert.deepEqual(Object.keys(body.properties).sort(), ['age', 'name'])
    assert.ok((create.responses as Record<string, unknown>)['201'], 'POST defaults to 201')
  })

  it('handles optional params (two paths), wildcards and hidden routes', () => {
    const paths = openapi(sample()).document().paths
    assert.equal((paths['/posts']!.get!.parameters as unknown[] | undefined)?.length ?? 0, 0)
    assert.deepEqual((paths['/posts/{slug}']!.get!.parameters as Array<{ name: string }>).map((p) => p.name), ['slug'])
    assert.match((paths['/files/{path}']!.get!.parameters as Array<{ description: string }>)[0]!.description, /rest of the path/)
    assert.equal(paths['/hidden'], undefined)
    assert.deepEqual(pathTemplates('/static/*'), [{ path: '/static/{wildcard}', params: [{ name: 'wildcard', schema: { type: 'string' }, description: pathTemplates('/a/*x')[0]!.params[0]!.description }] }])
    assert.deepEqual(pathTemplates('/v1/things:get'), [{ path: '/v1/things:get', params: [] }])
  })

  it("keeps the default success when a describe() declares only errors (a group's 401, a route's 404)", () => {
    const a = app()
    const api = a.group('/api', describe({ responses: { 401: { description: 'Sign in' } } }))
    api.get('/items/:id', describe({ responses: { 404: { description: 'No such item' } } }), () => 1)
    api.post('/items', () => 1)
    api.delete('/items/:id', describe({ responses: { 204: { description: 'Gone' } } }), () => null)
    const paths = openapi(a).document().paths
    const statuses = (op: { responses?: unknown } | undefined) => Object.keys(op?.responses as object)
    assert.deepEqual(statuses(paths['/api/items/{id}']!.get), ['200', '401', '404', 'default'])
    assert.deepEqual(statuses(paths['/api/items']!.post), ['201', '401', 'default'])
    assert.deepEqual(statuses(paths['/api/items/{id}']!.delete), ['204', '401', 'default'], 'a declared success replaces the default one')
  })

  it('uses the problem format when asked', async () => {
    const doc = openapi(sample(app({ errors: { format: 'problem' } })), { errors: 'problem' }).document()
    await assertValid(doc)
    const def = (doc.paths['/search']!.get!.responses as Record<string, { content: object }>).default!
    assert.deepEqual(Object.keys(def.content), ['application/problem+json'])
    assert.ok((doc.components.schemas.Error!.required as string[]).includes('title'))
  })

  it('says so when a schema cannot be converted (valibot)', async () => {
    const a = app()
    a.post('/v', validate({ body: v.object({ name: v.string() }) }), () => 1)
    const doc = openapi(a).document()
    await assertValid(doc)
    const schema = (doc.paths['/v']!.post!.requestBody as { content: Record<string, { schema: { description: string } }> }).content['application/json']!.schema
    assert.match(schema.description, /Not converted to JSON Schema: valibot/)
  })

  it('converts a zod schema without ~standard.jsonSchema with z.toJSONSchema', () => {
    const schema = z.object({ a: z.string() })
    const { jsonSchema: _drop, ...std } = schema['~standard'] as unknown as Record<string, unknown>
    const older = Object.create(schema, { '~standard': { value: std } }) as typeof schema
    assert.equal('jsonSchema' in older['~standard'], false)
    assert.deepEqual(toJsonSchema(older, 'input'), { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] })
  })

  it('annotations are never run, and a route must end with a handler', async () => {
    const a = app()
    let ran = 0
    const doc = describe({ summary: 'x' })
    a.get('/x', doc, () => {
      ran++
      return 'ok'
    })
    assert.equal(await (await a.request('/x')).text(), 'ok')
    assert.equal(ran, 1)
    assert.equal(a.routes()[0]!.handlers[0], doc, 'listed with its route')
    assert.throws(() => a.get('/y', () => 1, describe({})), /last function must be the handler/)
  })

  it('serves the JSON and the Swagger UI page with its assets in debug mode', async () => {
    const a = sample(app({ mode: 'debug' }))
    openapi(a, { info: { title: 'Sample <API>', version: '1' } })
    const json = await a.request('/openapi.json')
    assert.equal(json.status, 200)
    assert.equal(json.headers.get('content-type'), 'application/json; charset=utf-8')
    const doc = (await json.json()) as OpenAPIDocument
    await assertValid(doc)
    assert.equal(doc.paths['/openapi.json'], undefined, 'its own routes are left out')
    assert.equal(doc.paths['/docs'], undefined)
    const page = await a.request('/docs')
    assert.match(page.headers.get('content-type')!, /^text\/html/)
    const html = await page.text()
    assert.match(html, /<title>Sample &#60;API&#62;<\/title>/)
    const scripts = [...html.matchAll(/src="([^"]+)"/g)].map((m) => m[1]!)
    assert.deepEqual(scripts, ['/docs/swagger-ui-bundle.js', '/docs/swagger-ui-standalone-preset.js', '/docs/init.js'])
    const bundle = await a.request(scripts[0]!)
    assert.equal(bundle.status, 200)
    assert.match(bundle.headers.get('content-type')!, /javascript/)
    assert.match((await bundle.text()).slice(0, 5000), /swagger|SwaggerUI/i)
    const init = await a.request('/docs/init.js')
    assert.equal(init.headers.get('content-type'), 'text/javascript; charset=utf-8', 'browsers refuse to run a script served as text')
    assert.match(await init.text(), /url: "\/openapi.json"/)
    assert.equal((await a.request('/docs/package.json')).status, 404, 'only the page assets are served')
    assert.equal((await a.request('/docs/..%2Fpackage.json')).status, 404)
  })

  it('serves nothing by default outside debug mode; serve: true and custom paths change that', async () => {
    const release = sample(app({ mode: 'release' }))
    openapi(release)
    assert.equal((await release.request('/openapi.json')).status, 404)
    assert.equal((await release.request('/docs')).status, 404)
    const custom = sample(app({ mode: 'release' }))
    openapi(custom, { serve: true, path: '/spec.json', ui: '/api-docs' })
    assert.equal((await custom.request('/spec.json')).status, 200)
    assert.match(await (await custom.request('/api-docs/init.js')).text(), /"\/spec.json"/)
    const noUi = sample(app({ mode: 'debug' }))
    openapi(noUi, { ui: false })
    assert.equal((await noUi.request('/docs')).status, 404)
    assert.equal((await noUi.request('/openapi.json')).status, 200)
  })

  it('includes routes registered after openapi() in the served document', async () => {
    const a = app({ mode: 'debug' })
    openapi(a, { ui: false })
    a.get('/late', () => 1)
    const doc = (await (await a.request('/openapi.json')).json()) as OpenAPIDocument
    assert.ok(doc.paths['/late'])
  })

  it('refuses bad options when called', () => {
    assert.throws(() => openapi(app(), { path: 'docs' }), TypeError)
    assert.throws(() => openapi(app(), { ui: '/docs/' }), TypeError)
    assert.throws(() => openapi(app(), { info: { title: 1 as unknown as string, version: '1' } }), TypeError)
    assert.throws(() => openapi(app(), { errors: 'xml' as 'plain' }), TypeError)
    assert.throws(() => describe({ tags: 'x' as unknown as string[] }), TypeError)
  })
})
