/** `describe()`: route documentation as an annotation — listed with the route, never run. */
import type { StandardSchemaV1 } from '@standard-schema/spec'
import { ANNOTATION, type Middleware } from '../../index.js'

/** A JSON Schema object (OpenAPI 3.1 uses JSON Schema 2020-12). */
export type JsonSchema = { [key: string]: unknown }

/** One documented response: a schema (Standard Schema or JSON Schema), its description and media type. */
export interface ResponseDoc {
  /** Default: the status text (`OK`, `Created`, …). */
  description?: string
  /** The body's schema; a Standard Schema is converted with its `output` type. */
  schema?: StandardSchemaV1 | JsonSchema
  /** Default `application/json`. */
  contentType?: string
}

/** What `describe()` adds to a route's OpenAPI operation. */
export interface RouteDoc {
  summary?: string
  description?: string
  /** Tags from every `describe()` of the chain (a group's, then the route's) are merged. */
  tags?: string[]
  operationId?: string
  deprecated?: boolean
  /** Responses by status (`200`, `'2XX'`, `'default'`): a schema, or a {@link ResponseDoc}. Without a 1XX–3XX status among them, `200` (`201` for POST) with no schema is added. */
  responses?: Record<string | number, StandardSchemaV1 | ResponseDoc>
  /** Leave the route out of the document. Default `false`. */
  hidden?: boolean
}

/** An annotation function carrying a {@link RouteDoc}. */
export type Describer = Middleware & { readonly [ANNOTATION]: RouteDoc }

/**
 * Documents a route (or every route of a group) for `openapi()`. It goes in the handler list like
 * middleware, but requests never run it: it costs nothing per request.
 *
 * @example
 * app.get('/users/:id', describe({ summary: 'One user', tags: ['users'], responses: { 200: User } }), show)
 * const admin = app.group('/admin', describe({ tags: ['admin'] }), auth)
 */
export function describe(doc: RouteDoc): Describer {
  if (typeof doc !== 'object' || doc === null) throw new TypeError('describe: pass an object ({ summary, tags, responses, … })')
  if (doc.tags !== undefined && (!Array.isArray(doc.tags) || doc.tags.some((t) => typeof t !== 'string'))) throw new TypeError('describe: tags must be an array of strings')
  const fn = function describe(_c: unknown, next: () => unknown) {
    return next()
  }
  return Object.assign(fn, { [ANNOTATION]: Object.freeze({ ...doc }) }) as unknown as Describer
}

/** The {@link RouteDoc} of an annotation made by {@link describe}, else `undefined`. */
export function docOf(fn: unknown): RouteDoc | undefined {
  if (typeof fn !== 'function' || fn.name !== 'describe') return undefined
  const doc = (fn as { [ANNOTATION]?: unknown })[ANNOTATION]
  return typeof doc === 'object' && doc !== null ? (doc as RouteDoc) : undefined
}
