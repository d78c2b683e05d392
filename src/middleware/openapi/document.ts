/** Builds the OpenAPI 3.1 document from the app's routes, their `validate()` schemas and `describe()` docs. */
import type { StandardSchemaV1 } from '@standard-schema/spec'
import type { RouteInfo } from '../../index.js'
import { STATUS_TEXT } from '../../index.js'
import { type ValidateSchemas, invalidStatusOf, schemasOf } from '../validate/index.js'
import { type JsonSchema, type ResponseDoc, type RouteDoc, docOf } from './describe.js'
import { pathTemplates } from './paths.js'
import { isStandard, toJsonSchema } from './schema.js'

/** An OpenAPI 3.1 document (the parts weir writes; typed loosely past them). */
export interface OpenAPIDocument {
  openapi: '3.1.0'
  info: { title: string; version: string; [key: string]: unknown }
  servers?: Array<{ url: string; description?: string }>
  paths: Record<string, Record<string, JsonSchema>>
  components: { schemas: Record<string, JsonSchema> }
  [key: string]: unknown
}

/** What the builder needs besides the routes. */
export interface BuildOptions {
  info: OpenAPIDocument['info']
  servers?: OpenAPIDocument['servers']
  errors: 'plain' | 'problem'
  /** Patterns left out (the document's and the page's own routes). */
  exclude: ReadonlySet<string>
}

const SUCCESS_TEXT: Readonly<Record<number, string>> = { 200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No Content', 206: 'Partial Content', 301: 'Moved Permanently', 302: 'Found', 303: 'See Other', 304: 'Not Modified', 307: 'Temporary Redirect', 308: 'Permanent Redirect' }

function statusText(status: number): string {
  return SUCCESS_TEXT[status] ?? STATUS_TEXT[status] ?? 'Response'
}

const METHODS = new Set(['GET', 'PUT', 'POST', 'DELETE', 'OPTIONS', 'HEAD', 'PATCH', 'TRACE'])
const ERROR_REF = { $ref: '#/components/schemas/Error' }

/** The document for these routes. */
export function buildDocument(routes: ReadonlyArray<RouteInfo>, options: BuildOptions): OpenAPIDocument {
  const paths: OpenAPIDocument['paths'] = {}
  for (const route of routes) {
    if (!METHODS.has(route.method) || options.exclude.has(route.pattern)) continue
    const { schemas, invalid, doc } = collect(route)
    if (doc.hidden) continue
    for (const t of pathTemplates(route.pattern)) {
      const op = operation(route, t.params, { schemas, invalid }, doc, options.errors)
      paths[t.path] ??= {}
      paths[t.path]![route.method.toLowerCase()] = op
    }
  }
  const doc: OpenAPIDocument = { openapi: '3.1.0', info: options.info, paths, components: { schemas: { Error: errorSchema(options.errors) } } }
  if (options.servers) doc.servers = options.servers
  return doc
}

/**
 * The validate() schemas (a later validator's part wins), the status they answer invalid input with (the
 * last validator's) and the merged describe() docs of a route's chain.
 */
function collect(route: RouteInfo): { schemas: ValidateSchemas; invalid: number | undefined; doc: RouteDoc } {
  const schemas: ValidateSchemas = {}
  let invalid: number | undefined
  let doc: RouteDoc = {}
  for (const fn of route.handlers) {
    const s = schemasOf(fn)
    if (s) {
      Object.assign(schemas, s)
      invalid = invalidStatusOf(fn) ?? 400
    }
    const d = docOf(fn)
    if (d) doc = { ...doc, ...d, tags: [...(doc.tags ?? []), ...(d.tags ?? [])], responses: { ...doc.responses, ...d.responses } }
  }
  return { schemas, invalid, doc }
}

type PathParam = ReturnType<typeof pathTemplates>[number]['params'][number]

function operation(route: RouteInfo, pathParams: PathParam[], checked: { schemas: ValidateSchemas; invalid: number | undefined }, doc: RouteDoc, errors: BuildOptions['errors']): JsonSchema {
  const { schemas, invalid } = checked
  const op: JsonSchema = {}
  if (doc.summary) op.summary = doc.summary
  if (doc.description) op.description = doc.description
  if (doc.tags && doc.tags.length > 0) op.tags = [...new Set(doc.tags)]
  if (doc.operationId) op.operationId = doc.operationId
  if (doc.deprecated) op.deprecated = true
  const params = parameters(pathParams, schemas)
  if (params.length > 0) op.parameters = params
  if (schemas.body) op.requestBody = { required: true, content: { 'application/json': { schema: toJsonSchema(schemas.body, 'input') } } }
  op.responses = responses(route, doc, invalid, errors)
  return op
}

function parameters(pathParams: PathParam[], schemas: ValidateSchemas): JsonSchema[] {
  const fromPath = schemas.params ? toJsonSchema(schemas.params, 'input') : undefined
  const out: JsonSchema[] = pathParams.map((p) => {
    const own = (fromPath?.properties as Record<string, JsonSchema> | undefined)?.[p.name]
    const param: JsonSchema = { name: p.name, in: 'path', required: true, schema: own ? { ...p.schema, ...own } : p.schema }
    if (p.description) param.description = p.description
    return param
  })
  for (const [part, where] of [['query', 'query'], ['headers', 'header'], ['cookies', 'cookie']] as const) {
    const s = schemas[part]
    if (s) out.push(...objectParams(toJsonSchema(s, 'input'), where))
  }
  return out
}

/** The properties of an object schema as parameters `in` query, header or cookie. */
function objectParams(schema: JsonSchema, where: 'query' | 'header' | 'cookie'): JsonSchema[] {
  const props = schema.properties as Record<string, JsonSchema> | undefined
  if (props === undefined) return []
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : [])
  return Object.entries(props).map(([name, s]) => ({ name, in: where, required: required.has(name), schema: s }))
}

/** `invalid`: the status of the route's validation error, `undefined` when nothing is validated. */
function responses(route: RouteInfo, doc: RouteDoc, invalid: number | undefined, errors: BuildOptions['errors']): JsonSchema {
  const out: JsonSchema = {}
  const declared = Object.entries(doc.responses ?? {})
  // Declared errors alone (a group's 401, a route's 404) leave the route's success in place.
  if (!declared.some(([status]) => /^[123]/.test(status))) out[route.method === 'POST' ? '201' : '200'] = { description: statusText(route.method === 'POST' ? 201 : 200) }
  for (const [status, r] of declared) out[status] = response(status, r)
  const media = errors === 'problem' ? 'application/problem+json' : 'application/json'
  const error = (description: string) => ({ description, content: { [media]: { schema: ERROR_REF } } })
  if (invalid !== undefined && out[invalid] === undefined) out[invalid] = error('Invalid request (`ERR_VALIDATION`): `details` lists every issue')
  if (out.default === undefined) out.default = error('An error, in the app\'s one error format (`code` is a stable `ERR_*` name)')
  return out
}

function response(status: string, r: StandardSchemaV1 | ResponseDoc): JsonSchema {
  const d: ResponseDoc = isStandard(r) ? { schema: r } : r
  const out: JsonSchema = { description: d.description ?? statusText(Number(status)) }
  if (d.schema !== undefined) {
    const schema = isStandard(d.schema) ? toJsonSchema(d.schema, 'output') : d.schema
    out.content = { [d.contentType ?? 'application/json']: { schema } }
  }
  return out
}

function errorSchema(format: BuildOptions['errors']): JsonSchema {
  const common = {
    code: { type: 'string', description: 'A stable, machine-readable name (`ERR_NOT_FOUND`, `ERR_VALIDATION`, …)' },
    details: { description: 'Extra data: for `ERR_VALIDATION`, the list of issues `{ in, path, message }`' },
    requestId: { type: 'string', description: 'The request id, when `weir/request-id` runs' },
  }
  if (format === 'problem') {
    return {
      type: 'object',
      description: 'RFC 9457 problem details',
      required: ['type', 'title', 'status', 'instance', 'code'],
      properties: { type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' }, detail: { type: 'string' }, instance: { type: 'string' }, ...common },
    }
  }
  return {
    type: 'object',
    required: ['status', 'code', 'message'],
    properties: { status: { type: 'integer' }, code: common.code, message: { type: 'string' }, details: common.details, requestId: common.requestId },
  }
}
