/** OpenAPI 3.1 from the app's routes: `validate()` schemas and `describe()` docs, served as JSON and a Swagger UI page. */
import type { App } from '../../index.js'
import { type OpenAPIDocument, buildDocument } from './document.js'
import { mountUi, swaggerUiDir } from './ui.js'

export { describe, docOf } from './describe.js'
export type { Describer, JsonSchema, ResponseDoc, RouteDoc } from './describe.js'
export type { OpenAPIDocument } from './document.js'
export { toJsonSchema } from './schema.js'

/** Options of {@link openapi}. */
export interface OpenAPIOptions {
  /** The document's `info`. Default `{ title: 'API', version: '0.0.0' }`. */
  info?: OpenAPIDocument['info']
  /** The document's `servers`. Default none (clients use the page's origin). */
  servers?: OpenAPIDocument['servers']
  /** Where the JSON is served; `false` serves none. Default `/openapi.json`. */
  path?: string | false
  /** Where the Swagger UI page is served (its assets under it); `false` serves none. Default `/docs`. Needs `swagger-ui-dist`. */
  ui?: string | false
  /** Serve `path` and `ui` at all. Default: only in debug mode (`app.mode === 'debug'`). */
  serve?: boolean
  /** The error format the app answers with (`createApp({ errors })`), for the error responses. Default `'plain'`. */
  errors?: 'plain' | 'problem'
}

/** What {@link openapi} returns. */
export interface OpenAPI {
  /** The document of the routes registered so far (built anew on each call). */
  document(): OpenAPIDocument
}

/**
 * Documents the app's routes as OpenAPI 3.1 and, in debug mode, serves the JSON (`/openapi.json`) and a
 * Swagger UI page (`/docs`, assets from the optional package `swagger-ui-dist`, served by the app). The
 * served document is built on its first request, so routes registered after `openapi()` are in it.
 *
 * @example
 * const createUser = validate({ body: z.object({ name: z.string() }) })
 * app.post('/users', describe({ summary: 'Create a user', responses: { 201: User } }), createUser, create)
 * openapi(app, { info: { title: 'Users', version: '1.0.0' } })   // GET /docs in debug mode
 */
export function openapi(app: App, options: OpenAPIOptions = {}): OpenAPI {
  const info = options.info ?? { title: 'API', version: '0.0.0' }
  if (typeof info.title !== 'string' || typeof info.version !== 'string') throw new TypeError('openapi: info needs a title and a version (strings)')
  const path = options.path ?? '/openapi.json'
  const ui = options.ui ?? '/docs'
  for (const [name, p] of [['path', path], ['ui', ui]] as const) {
    if (p !== false && (typeof p !== 'string' || !p.startsWith('/') || p.length < 2 || p.endsWith('/'))) throw new TypeError(`openapi: ${name} must be a path like "/docs" (or false)`)
  }
  const errors = options.errors ?? 'plain'
  if (errors !== 'plain' && errors !== 'problem') throw new TypeError(`openapi: errors must be 'plain' or 'problem'`)
  const serve = options.serve ?? app.mode === 'debug'
  const exclude = new Set<string>()
  const document = (): OpenAPIDocument => buildDocument(app.routes(), { info, servers: options.servers, errors, exclude })
  if (serve && path !== false) {
    let cached: string | undefined
    exclude.add(path)
    app.get(path, (c) => {
      cached ??= JSON.stringify(document())
      return c.header('content-type', 'application/json; charset=utf-8').body(cached)
    })
  }
  if (serve && ui !== false && path !== false) {
    const dir = uiDir(app, options.ui !== undefined)
    if (dir !== undefined) for (const p of mountUi(app, ui, path, info.title, dir)) exclude.add(p)
  }
  return { document }
}

/** The swagger-ui-dist folder; asked for explicitly, a missing package throws, else the page is skipped with a warning. */
function uiDir(app: App, explicit: boolean): string | undefined {
  try {
    return swaggerUiDir()
  } catch (err) {
    if (explicit || (err as { code?: string }).code !== 'ERR_MISSING_DEPENDENCY') throw err
    app.log.warn({ code: 'ERR_MISSING_DEPENDENCY' }, 'openapi(): the /docs page needs the package "swagger-ui-dist" (npm install swagger-ui-dist); serving only the JSON')
    return undefined
  }
}
