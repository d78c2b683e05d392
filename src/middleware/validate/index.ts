/** Checks params, query, headers, cookies and body against Standard Schema validators (zod, valibot, arktype, …). */
import type { StandardSchemaV1 } from '@standard-schema/spec'
import { type Context, VALID, type Validated, type ValidPart } from '../../core/context.js'
import { HttpError } from '../../errors.js'

/** Schemas by request part; any Standard Schema v1 validator. */
export interface ValidateSchemas {
  /** Route parameters (`c.params`, decoded strings). */
  params?: StandardSchemaV1
  /** Query parameters: a string each, an array of strings for a repeated name. */
  query?: StandardSchemaV1
  /** Request headers, names in lower case (Node's object). */
  headers?: StandardSchemaV1
  /** Request cookies by name. */
  cookies?: StandardSchemaV1
  /** The body as `c.req.parse()` gives it: JSON value, form record, `{ fields, files }`, text or bytes; `undefined` if empty. */
  body?: StandardSchemaV1
}

/** What a validator hands the handler: each checked part, as its schema outputs it. */
export type ValidatedInput<S extends ValidateSchemas> = {
  [K in keyof S]: S[K] extends StandardSchemaV1 ? StandardSchemaV1.InferOutput<S[K]> : never
}

/** Options of {@link validate}. */
export interface ValidateOptions {
  /**
   * The status of the error thrown for invalid input, any 4xx (`422` for an API that says *Unprocessable
   * Content*). The code stays `ERR_VALIDATION`, the issues stay in `details`; `weir/openapi` documents this
   * status for the route. Default `400`.
   */
  status?: number
  /** Leave this request unchecked (`c.valid` then throws for it). */
  skip?: (c: Context) => boolean
}

/** One issue of a failed validation, as sent in the error's `details`. */
export interface ValidationIssue {
  /** The request part: `params`, `query`, `headers`, `cookies` or `body`. */
  in: ValidPart
  /** Where in that part, keys and indexes (`['items', 0, 'name']`); `[]` for the whole part. */
  path: Array<string | number>
  /** The validator's message. */
  message: string
}

/** The middleware `validate()` returns, typed by what it checks (read it with `c.valid(v)`). */
export type Validator<S extends ValidateSchemas> = ((c: Context, next: () => Promise<void> | void) => Promise<void>) &
  Validated<ValidatedInput<S>> & {
    /** The schemas it checks, by part (read by `weir/openapi` to document the route). */
    readonly schemas: Readonly<S>
    /** The status of its error for invalid input (`options.status`, default 400). */
    readonly status: number
  }

const PARTS: readonly ValidPart[] = ['params', 'query', 'headers', 'cookies', 'body']

/**
 * Validates request parts before the handler. Every part is checked and all issues are reported at once:
 * it throws an `HttpError` — 400 (or `options.status`) `ERR_VALIDATION` with `details: ValidationIssue[]` —
 * which `recover()` or the app's `onError` answers like any error. The handler reads the validators'
 * outputs with `c.valid(v)` (typed) or `c.valid('body')` (unknown).
 *
 * @example
 * const createUser = validate({ body: z.object({ name: z.string().min(1) }), query: v.object({ dry: v.optional(v.string()) }) })
 * app.post('/users', createUser, (c) => {
 *   const { body, query } = c.valid(createUser)   // typed from the schemas
 *   return { created: body.name, dry: query.dry === '1' }
 * })
 * // Invalid input is 422 Unprocessable Content instead of 400:
 * const login = validate({ body: z.object({ email: z.email() }) }, { status: 422 })
 */
export function validate<S extends ValidateSchemas>(schemas: S, options: ValidateOptions = {}): Validator<S> {
  const checks = checkSchemas(schemas)
  const { skip } = options
  if (skip !== undefined && typeof skip !== 'function') throw new TypeError('validate: skip must be a function')
  const status = checkStatus(options.status)
  const self = async function validate(c: Context, next: () => Promise<void> | void): Promise<void> {
    if (skip?.(c)) return next()
    const out: Record<string, unknown> = {}
    const issues: ValidationIssue[] = []
    for (const [part, schema] of checks) {
      let result = schema['~standard'].validate(await inputOf(c, part))
      if (result instanceof Promise) result = await result
      if (result.issues) for (const i of result.issues) issues.push({ in: part, path: pathOf(i.path), message: i.message })
      else out[part] = result.value
    }
    if (issues.length > 0) throw new HttpError(status, summary(issues), { code: 'ERR_VALIDATION', details: issues })
    remember(c, self, out)
    return next()
  } as Validator<S>
  Object.defineProperty(self, 'schemas', { value: Object.freeze({ ...schemas }), enumerable: true })
  Object.defineProperty(self, 'status', { value: status, enumerable: true })
  return self
}

/**
 * The schemas of a `validate()` middleware, `undefined` for any other function (`weir/openapi` reads a
 * route's handlers with it).
 *
 * @example
 * const v = validate({ body: z.object({ name: z.string() }) })
 * schemasOf(v)?.body   // the zod schema
 */
export function schemasOf(fn: unknown): ValidateSchemas | undefined {
  if (typeof fn !== 'function' || fn.name !== 'validate') return undefined
  const schemas = (fn as { schemas?: unknown }).schemas
  return typeof schemas === 'object' && schemas !== null ? (schemas as ValidateSchemas) : undefined
}

/**
 * The status a `validate()` middleware answers invalid input with, `undefined` for any other function
 * (`weir/openapi` documents it).
 *
 * @example
 * invalidStatusOf(validate({ body: schema }, { status: 422 }))   // 422
 */
export function invalidStatusOf(fn: unknown): number | undefined {
  if (schemasOf(fn) === undefined) return undefined
  const status = (fn as { status?: unknown }).status
  return typeof status === 'number' ? status : undefined
}

function checkStatus(status: number | undefined): number {
  if (status === undefined) return 400
  if (!Number.isInteger(status) || status < 400 || status > 499) throw new TypeError(`validate: status must be a 4xx status code, got ${status}`)
  return status
}

function checkSchemas(schemas: ValidateSchemas): Array<[ValidPart, StandardSchemaV1]> {
  if (typeof schemas !== 'object' || schemas === null) throw new TypeError('validate: pass an object of schemas by request part')
  const out: Array<[ValidPart, StandardSchemaV1]> = []
  for (const [part, schema] of Object.entries(schemas)) {
    if (schema === undefined) continue
    if (!PARTS.includes(part as ValidPart)) throw new TypeError(`validate: unknown part "${part}"; use ${PARTS.join(', ')}`)
    if (typeof (schema as StandardSchemaV1)?.['~standard']?.validate !== 'function') {
      throw new TypeError(`validate: ${part} is not a Standard Schema validator (zod ≥ 3.24, valibot ≥ 1, arktype ≥ 2, …)`)
    }
    out.push([part as ValidPart, schema as StandardSchemaV1])
  }
  if (out.length === 0) throw new TypeError('validate: give at least one schema')
  return out.sort((a, b) => PARTS.indexOf(a[0]) - PARTS.indexOf(b[0]))
}

function inputOf(c: Context, part: ValidPart): unknown {
  switch (part) {
    case 'params':
      return c.params
    case 'query':
      return queryOf(c.req.search)
    case 'headers':
      return c.req.headers
    case 'cookies':
      return c.req.cookies
    case 'body':
      return c.req.parse()
  }
}

function queryOf(search: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null)
  for (const [k, v] of new URLSearchParams(search)) {
    const prev = out[k]
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v]
  }
  return out
}

function pathOf(path: StandardSchemaV1.Issue['path']): Array<string | number> {
  if (path === undefined) return []
  return path.map((seg) => {
    const key = typeof seg === 'object' && seg !== null ? seg.key : seg
    return typeof key === 'number' ? key : String(key)
  })
}

function summary(issues: ValidationIssue[]): string {
  const first = issues[0]!
  const where = [first.in, ...first.path].join('.')
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''
  return `Invalid request: ${where}: ${first.message}${more}`
}

function remember(c: Context, validator: object, out: Record<string, unknown>): void {
  // The store lives in the context's per-request values under a symbol only `c.valid` reads.
  let checked = c.get(VALID as never) as Map<unknown, unknown> | undefined
  if (checked === undefined) {
    checked = new Map()
    c.set(VALID as never, checked as never)
  }
  checked.set(validator, out)
  for (const [part, value] of Object.entries(out)) checked.set(part, value)
}
