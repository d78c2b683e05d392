import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type } from 'arktype'
import * as v from 'valibot'
import { z } from 'zod'
import { type App, HttpError, createApp } from '../../index.js'
import { consoleLogger } from '../../utils/console-logger.js'
import { bodyParser } from '../body-parser/index.js'
import { type ValidationIssue, invalidStatusOf, validate } from './index.js'

function app(): App {
  return createApp({ mode: 'test', logger: consoleLogger('silent') })
}

const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  body: JSON.stringify(body),
  headers: { 'content-type': 'application/json', ...headers },
})

describe('validate', () => {
  it('hands the handler typed, validated values (zod): c.valid(v) and c.valid(part)', async () => {
    const a = app()
    const createUser = validate({
      params: z.object({ org: z.string().regex(/^[a-z]+$/) }),
      query: z.object({ dry: z.enum(['0', '1']).default('0') }),
      body: z.object({ name: z.string().min(1), age: z.coerce.number().int() }),
    })
    a.post('/orgs/:org/users', createUser, (c) => {
      const { params, query, body } = c.valid(createUser)
      const name: string = body.name // typed: a type error here would fail `tsc`
      const age: number = body.age
      // @ts-expect-error body.name is a string, not a number
      const wrong: number = body.name
      void wrong
      return { org: params.org, dry: query.dry === '1', name, age, part: c.valid('body') === body }
    })
    const res = await a.request('/orgs/acme/users?dry=1', json({ name: 'Ada', age: '36' }))
    assert.deepEqual(await res.json(), { org: 'acme', dry: true, name: 'Ada', age: 36, part: true })
  })

  it('answers 400 ERR_VALIDATION with every issue, by part and path (valibot)', async () => {
    const a = app()
    const check = validate({
      query: v.object({ page: v.pipe(v.string(), v.regex(/^\d+$/)) }),
      headers: v.object({ 'x-api-key': v.string() }),
      cookies: v.object({ session: v.pipe(v.string(), v.minLength(8)) }),
      body: v.object({ items: v.array(v.object({ sku: v.string() })) }),
    })
    let ran = false
    a.post('/', check, () => {
      ran = true
      return null
    })
    const res = await a.request('/?page=x', json({ items: [{ sku: 'a' }, { sku: 2 }] }, { cookie: 'session=short' }))
    assert.equal(res.status, 400)
    const body = (await res.json()) as { code: string; message: string; details: ValidationIssue[] }
    assert.equal(body.code, 'ERR_VALIDATION')
    assert.deepEqual(
      body.details.map((i) => [i.in, i.path]),
      [
        ['query', ['page']],
        ['headers', ['x-api-key']],
        ['cookies', ['session']],
        ['body', ['items', 1, 'sku']],
      ],
    )
    assert.ok(body.details.every((i) => typeof i.message === 'string' && i.message.length > 0))
    assert.match(body.message, /^Invalid request: query\.page: .+ \(and 3 more\)$/)
    assert.equal(ran, false)
  })

  it('takes arktype schemas too (Standard Schema): typed output, morphs applied, issues by path', async () => {
    const a = app()
    const check = validate({
      query: type({ page: 'string.integer.parse' }),
      body: type({ email: 'string.email', tags: 'string[]' }),
    })
    a.post('/', check, (c) => {
      const { query, body } = c.valid(check)
      const page: number = query.page // parsed by the morph, typed as number
      const first: string | undefined = body.tags[0]
      return { page, first, email: body.email }
    })
    const ok = await a.request('/?page=3', json({ email: 'ada@example.com', tags: ['x'] }))
    assert.deepEqual(await ok.json(), { page: 3, first: 'x', email: 'ada@example.com' })
    const bad = await a.request('/?page=x', json({ email: 'nope', tags: [1] }))
    assert.equal(bad.status, 400)
    const details = ((await bad.json()) as { details: ValidationIssue[] }).details
    assert.deepEqual(
      details.map((i) => [i.in, i.path.join('.')]),
      [
        ['query', 'page'],
        ['body', 'email'],
        ['body', 'tags.0'],
      ],
    )
  })

  it('works as group middleware: every route of the group gets the checked, typed values', async () => {
    const a = app()
    const auth = validate({ headers: z.object({ 'x-tenant': z.string().min(1) }) })
    const api = a.group('/api', auth)
    api.get('/me', (c) => {
      const tenant: string = c.valid(auth).headers['x-tenant']
      return { tenant }
    })
    api.get('/other', (c) => ({ part: (c.valid('headers') as Record<string, string>)['x-tenant'] }))
    assert.deepEqual(await (await a.request('/api/me', { headers: { 'x-tenant': 't1' } })).json(), { tenant: 't1' })
    assert.deepEqual(await (await a.request('/api/other', { headers: { 'x-tenant': 't2' } })).json(), { part: 't2' })
    assert.equal((await a.request('/api/me')).status, 400)
  })

  it('gives repeated query names as arrays, single ones as strings', async () => {
    const a = app()
    const q = validate({ query: z.object({ tag: z.array(z.string()), one: z.string() }) })
    a.get('/', q, (c) => c.valid(q).query)
    assert.deepEqual(await (await a.request('/?tag=a&tag=b&one=x')).json(), { tag: ['a', 'b'], one: 'x' })
    assert.equal((await a.request('/?tag=a&one=x')).status, 400)
  })

  it('validates the body as bodyParser (or c.req.parse) gives it: form records, custom types', async () => {
    const a = app()
    const form = validate({ body: z.object({ email: z.email(), tags: z.array(z.string()) }) })
    a.post('/form', form, (c) => c.valid(form).body)
    const csv = validate({ body: z.array(z.array(z.string()).length(2)) })
    a.post('/csv', bodyParser({ parsers: { 'text/csv': async (req) => (await req.text()).split('\n').map((l) => l.split(',')) } }), csv, (c) =>
      c.valid(csv).body.length,
    )
    const res = await a.request('/form', {
      method: 'POST',
      body: new URLSearchParams('email=a@b.co&tags[]=x'),
    })
    assert.deepEqual(await res.json(), { email: 'a@b.co', tags: ['x'] })
    const rows = await a.request('/csv', { method: 'POST', body: 'a,b\nc,d', headers: { 'content-type': 'text/csv', 'content-length': '7' } })
    assert.equal(await rows.text(), '2')
  })

  it('supports async validators and reads a body that a middleware already read', async () => {
    const a = app()
    const slow = {
      '~standard': {
        version: 1 as const,
        vendor: 'test',
        validate: async (value: unknown) => {
          await new Promise((r) => setTimeout(r, 1))
          return typeof value === 'object' && value !== null && 'ok' in value ? { value: 'checked' } : { issues: [{ message: 'needs ok' }] }
        },
      },
    }
    const check = validate({ body: slow })
    a.post('/', async (c, next) => {
      await c.req.bytes()
      await next()
    }, check, (c) => ({ out: c.valid(check).body }))
    assert.deepEqual(await (await a.request('/', json({ ok: 1 }))).json(), { out: 'checked' })
    const bad = await (await a.request('/', json({}))).json()
    assert.deepEqual(bad.details, [{ in: 'body', path: [], message: 'needs ok' }])
  })

  it('c.valid throws when no validator checked the request', async () => {
    const a = app()
    const unused = validate({ query: z.object({}) })
    a.get('/', (c) => {
      assert.throws(() => c.valid('body'), /no validate\(\) middleware checked the body/)
      assert.throws(() => c.valid(unused), /checked this validator/)
      return 'ok'
    })
    assert.equal(await (await a.request('/')).text(), 'ok')
  })

  it('refuses what is not a Standard Schema, unknown parts and empty schemas with TypeError', () => {
    assert.throws(() => validate({ body: { parse() {} } as never }), /not a Standard Schema/)
    assert.throws(() => validate({ form: z.string() } as never), /unknown part "form"/)
    assert.throws(() => validate({}), TypeError)
    assert.throws(() => validate({ body: z.string() }, { skip: 1 as never }), TypeError)
    for (const status of [200, 399, 500, 422.5, '422' as never]) {
      assert.throws(() => validate({ body: z.string() }, { status }), /validate: status must be a 4xx status code/)
    }
  })

  it('skip leaves the request unchecked', async () => {
    const a = app()
    a.get('/', validate({ query: z.object({ need: z.string() }) }, { skip: (c) => c.req.header('x-skip') === '1' }), () => 'through')
    assert.equal((await a.request('/', { headers: { 'x-skip': '1' } })).status, 200)
    assert.equal((await a.request('/')).status, 400)
  })

  it('status answers invalid input with another 4xx, keeping ERR_VALIDATION and the issues', async () => {
    const a = app()
    const check = validate({ query: z.object({ page: z.string() }) }, { status: 422 })
    a.get('/', check, () => 'ok')
    const res = await a.request('/')
    assert.equal(res.status, 422)
    const body = (await res.json()) as { status: number; code: string; details: ValidationIssue[] }
    assert.deepEqual([body.status, body.code], [422, 'ERR_VALIDATION'])
    assert.deepEqual(body.details, [{ in: 'query', path: ['page'], message: 'Invalid input: expected string, received undefined' }])
    assert.equal(check.status, 422)
    assert.equal(validate({ body: z.string() }).status, 400)
    assert.deepEqual([invalidStatusOf(check), invalidStatusOf(() => 'x')], [422, undefined])
  })

  it("throws an HttpError the app's onError sees, with status, code and details", async () => {
    const a = app()
    const seen: unknown[] = []
    a.onError((err, c) => {
      const e = err as HttpError
      seen.push([e instanceof HttpError, e.status, e.code, e.details])
      return c.json({ invalid: (e.details as ValidationIssue[]).map((i) => i.path.join('.')) }, e.status)
    })
    a.post('/', validate({ body: z.object({ name: z.string() }) }, { status: 422 }), () => 'ok')
    const res = await a.request('/', json({ name: 1 }))
    assert.equal(res.status, 422)
    assert.deepEqual(await res.json(), { invalid: ['name'] })
    assert.deepEqual(seen, [[true, 422, 'ERR_VALIDATION', [{ in: 'body', path: ['name'], message: 'Invalid input: expected string, received number' }]]])
  })
})
