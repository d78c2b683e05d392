/** The decorator-free controller: a prefix, middleware and a table of routes, typed from their patterns. */
import type { Handler, Middleware, ParamsOf } from '../../index.js'
import { type RouteDoc, describe } from '../openapi/describe.js'
import { type ValidateSchemas, validate } from '../validate/index.js'

/** One route of a {@link controller}: a handler, or a handler with its validation, docs and middleware. */
export type RouteSpec<P extends string> =
  | Handler<ParamsOf<P>>
  | {
      /** Runs `validate(schemas)` before the handler (read the values with `c.valid('body')` etc.). */
      validate?: ValidateSchemas
      /** OpenAPI docs of the route (`weir/openapi`'s `describe()`). */
      describe?: RouteDoc
      /** Middleware of this route only, after the controller's. */
      use?: Middleware<ParamsOf<P>>[]
      handler: Handler<ParamsOf<P>>
    }

/** `'GET /:id'` → `/:id`. */
type PathOf<K> = K extends `${string} ${infer P}` ? P : never
type Joined<Prefix extends string, P extends string> = P extends '/' ? Prefix : `${Prefix}${P}`

/** The routes table of {@link controller}: `'<METHOD> <path>'` keys, handlers typed from prefix + path. */
export type Routes<Prefix extends string, R> = { [K in keyof R]: RouteSpec<Joined<Prefix, PathOf<K>>> }

/** A route as a controller hands it to the app: method, path under the prefix, and its functions. */
export interface ControllerRoute {
  method: string
  path: string
  fns: Middleware[]
}

/** What {@link registerController} mounts: a prefix, middleware for all its routes, and the routes. */
export interface ControllerDefinition {
  readonly prefix: string
  readonly use: ReadonlyArray<Middleware>
  readonly routes: ReadonlyArray<ControllerRoute>
}

/** Options of {@link controller}. */
export interface ControllerOptions<Prefix extends string, R> {
  /** Middleware for every route of the controller (and unknown paths under its prefix), like a group's. */
  use?: Middleware<ParamsOf<Prefix>>[]
  /** Docs for every route (tags, …). */
  describe?: RouteDoc
  /** `'GET /:id': handler` or `'POST /': { validate, describe, use, handler }`. */
  routes: R & Routes<Prefix, R>
}

const ROUTE_KEY = /^([A-Z]+) (\/\S*)$/

/**
 * A controller without decorators: routes under one prefix sharing middleware. Mount it with
 * `registerController(app, ctrl)`; its routes are plain routes of the app.
 *
 * @example
 * const users = controller('/users', {
 *   use: [auth],
 *   routes: {
 *     'GET /:id': (c) => db.user(c.params.id),
 *     'POST /': { validate: { body: NewUser }, describe: { summary: 'Create a user' }, handler: (c) => db.create(c.valid('body')) },
 *   },
 * })
 * registerController(app, users)
 */
export function controller<const Prefix extends string, R>(prefix: Prefix, options: ControllerOptions<Prefix, R>): ControllerDefinition {
  if (typeof options !== 'object' || options === null || typeof options.routes !== 'object') throw new TypeError('controller: pass { routes: { "GET /path": handler } }')
  const use: Middleware[] = [...((options.use ?? []) as Middleware[])]
  if (options.describe) use.unshift(describe(options.describe))
  const routes: ControllerRoute[] = []
  for (const [key, spec] of Object.entries(options.routes as Record<string, RouteSpec<string>>)) {
    const m = ROUTE_KEY.exec(key)
    if (m === null) throw new TypeError(`controller(${prefix}): route key ${JSON.stringify(key)} must be "<METHOD> /path", e.g. "GET /:id"`)
    routes.push({ method: m[1]!, path: m[2]!, fns: routeFns(spec, `${prefix} ${key}`) })
  }
  return { prefix, use, routes }
}

function routeFns(spec: RouteSpec<string>, where: string): Middleware[] {
  if (typeof spec === 'function') return [spec as Middleware]
  if (typeof spec !== 'object' || spec === null || typeof spec.handler !== 'function') throw new TypeError(`controller: ${where} needs a handler function`)
  const fns: Middleware[] = []
  if (spec.describe) fns.push(describe(spec.describe))
  fns.push(...((spec.use ?? []) as Middleware[]))
  if (spec.validate) fns.push(validate(spec.validate))
  fns.push(spec.handler as Middleware)
  return fns
}
