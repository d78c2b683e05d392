import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { before, describe, it } from 'node:test'
import { Validator } from '@seriousme/openapi-schema-validator'
import { parse } from 'yaml'
import { type OpenAPIDocument, openapi } from '../../src/middleware/openapi/index.js'
import { consoleLogger } from '../../src/utils/console-logger.js'
import { buildApp } from './app.js'
import { openDatabase } from './db/index.js'

type Node = { [key: string]: unknown }
type Doc = { servers?: Array<{ url: string }>; paths: Record<string, Record<string, unknown>> }

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']

/**
 * What a client of one operation relies on, as both documents reduce to it: its operationId, its path and
 * query parameters, the required fields of its request body (`null` without one) and its success answers,
 * with the required fields of each (`response.user.token`).
 *
 * Left out on purpose: parameter types (the spec types `limit`, `offset` and a comment's `id` as integers;
 * weir documents the digits a client sends, strings with a pattern, which is what the validators check) and
 * error answers (the spec lists 401 and 422; the app documents its own `{"errors":{…}}` answers, also 400,
 * and the rest under `default`).
 */
interface Shape {
  operationId: unknown
  parameters: string[]
  body: string[] | null
  success: Record<string, string[]>
}

/** `node` itself, or what its `$ref` (`#/components/…`, also chained) points to in `doc`. */
function resolve(doc: unknown, node: unknown): Node | undefined {
  let seen = 0
  let n = node as Node | undefined
  while (typeof n?.$ref === 'string') {
    const ref = n.$ref
    if (!ref.startsWith('#/') || ++seen > 20) throw new Error(`cannot resolve $ref ${ref}`)
    n = ref
      .slice(2)
      .split('/')
      .reduce<unknown>((at, key) => (at as Node | undefined)?.[key.replaceAll('~1', '/').replaceAll('~0', '~')], doc) as Node | undefined
    if (n === undefined) throw new Error(`$ref ${ref} points to nothing`)
  }
  return n
}

/** The required fields of a JSON schema as dotted paths under `at` (`body.user.email`), at every depth. */
function requiredFields(doc: unknown, schema: unknown, at: string): string[] {
  const s = resolve(doc, schema)
  if (s === undefined) return []
  const out = ((s.required as string[] | undefined) ?? []).map((name) => `${at}.${name}`)
  for (const part of (s.allOf as unknown[] | undefined) ?? []) out.push(...requiredFields(doc, part, at))
  for (const [name, prop] of Object.entries((s.properties as Node | undefined) ?? {})) out.push(...requiredFields(doc, prop, `${at}.${name}`))
  if (s.items !== undefined) out.push(...requiredFields(doc, s.items, `${at}[]`))
  return [...new Set(out)].sort()
}

/** The JSON schema of a request body or response, `undefined` when it has no JSON content. */
function jsonSchema(doc: unknown, holder: unknown): unknown {
  const content = resolve(doc, holder)?.content as Record<string, { schema?: unknown }> | undefined
  return content?.['application/json']?.schema
}

function shape(doc: unknown, pathItem: Node, op: Node): Shape {
  const params = [...((pathItem.parameters as unknown[] | undefined) ?? []), ...((op.parameters as unknown[] | undefined) ?? [])].map((p) => resolve(doc, p) as Node)
  const parameters = params.filter((p) => p.in === 'path' || p.in === 'query').map((p) => `${p.in} ${p.name}${p.required === true ? ' (required)' : ''}`)
  const body = op.requestBody === undefined ? null : requiredFields(doc, jsonSchema(doc, op.requestBody), 'body')
  const success: Shape['success'] = {}
  for (const [status, response] of Object.entries((op.responses as Node | undefined) ?? {})) {
    if (/^2/.test(status)) success[status] = requiredFields(doc, jsonSchema(doc, response), 'response')
  }
  return { operationId: op.operationId, parameters: parameters.sort(), body, success }
}

/** The operations of a document whose paths start with `base`, by `METHOD /path` relative to it. */
function operations(doc: Doc, base: string): Map<string, Shape> {
  const out = new Map<string, Shape>()
  for (const [path, item] of Object.entries(doc.paths)) {
    if (!path.startsWith(`${base}/`) && base !== '') continue
    for (const method of METHODS) {
      const op = item[method] as Node | undefined
      if (op !== undefined) out.set(`${method.toUpperCase()} ${path.slice(base.length)}`, shape(doc, item as Node, op))
    }
  }
  return out
}

const spec = parse(readFileSync(new URL('./spec/openapi.yml', import.meta.url), 'utf8')) as Doc
// The spec's paths are relative to its server (`https://api.realworld.show/api`); the app's are under /api.
const base = new URL(spec.servers?.[0]?.url ?? 'http://localhost').pathname.replace(/\/$/, '')
const expected = operations(spec, '')
const secret = randomBytes(32).toString('hex')

describe('the RealWorld OpenAPI spec', () => {
  it('has a route for each of its operations, under /api', async () => {
    const operations = Object.entries(spec.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} /api${path.replace(/\{(\w+)\}/g, ':$1')}`),
    )
    assert.equal(operations.length, 19)
    const db = await openDatabase({ file: ':memory:' })
    const app = buildApp({ db, secret, mode: 'test' })
    // `:id(\d+)` is `{id}` in the spec: compare the patterns without their constraints.
    const routes = new Set(app.routes().map((r) => `${r.method} ${r.pattern.replace(/\([^)]*\)/g, '')}`))
    await db.close()
    for (const operation of operations) assert.ok(routes.has(operation), `${operation} is routed`)
  })
})

describe('the OpenAPI document weir generates for the RealWorld app', () => {
  let document: OpenAPIDocument
  let generated: Map<string, Shape>
  before(async () => {
    const db = await openDatabase({ file: ':memory:' })
    const app = buildApp({ db, secret, mode: 'test' })
    document = openapi(app, { serve: false }).document()
    await db.close()
    generated = operations(document as unknown as Doc, base)
  })

  it('is valid OpenAPI 3.1', async () => {
    const validator = new Validator()
    const result = await validator.validate(structuredClone(document) as never)
    assert.equal(result.valid, true, JSON.stringify(result.errors, null, 1))
  })

  it(`documents no operation under ${base} that the spec lacks`, () => {
    assert.equal(expected.size, 19)
    assert.deepEqual([...generated.keys()].filter((key) => !expected.has(key)), [])
  })

  it('is served at /api/openapi.json, with Swagger UI at /api/docs, in debug mode only', async () => {
    const db = await openDatabase({ file: ':memory:' })
    try {
      const debug = buildApp({ db, secret, mode: 'debug', logger: consoleLogger('silent') })
      const json = await debug.request('/api/openapi.json')
      assert.equal(json.status, 200)
      const served = (await json.json()) as OpenAPIDocument
      assert.equal(served.info.title, 'RealWorld Conduit API')
      assert.deepEqual(served.paths, JSON.parse(JSON.stringify(document.paths)), 'the document compared here, without the docs routes')
      const page = await debug.request('/api/docs')
      assert.equal(page.status, 200)
      assert.match(await page.text(), /swagger-ui/)
      const test = buildApp({ db, secret, mode: 'test' })
      assert.equal((await test.request('/api/openapi.json')).status, 404)
      assert.equal((await test.request('/api/docs')).status, 404)
    } finally {
      await db.close()
    }
  })

  for (const [key, want] of expected) {
    it(`matches the spec on ${key} (${want.operationId})`, () => {
      const got = generated.get(key)
      const why = got === undefined ? `${key} (${want.operationId}) is not in the generated document` : `${key} (${want.operationId}): the generated operation differs from the spec`
      assert.deepEqual(got, want, why)
    })
  }
})
