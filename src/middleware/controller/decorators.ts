/** Standard (TC39) decorators for class controllers; no `experimentalDecorators`, no reflect-metadata. */
import type { Context, Middleware, Next, ParamsOf } from '../../index.js'
import { type RouteDoc, describe } from '../openapi/describe.js'
import { type ValidateSchemas, validate } from '../validate/index.js'

/** Routes and route middleware, stored on the decorated method itself. */
const ROUTES = Symbol('weir.controller.routes')
const CHAIN = Symbol('weir.controller.chain')

/** What `@Controller` and class-level `@Use`/`@Describe` record, by class. */
export interface ClassInfo {
  prefix?: string
  use: Middleware[]
}
const classes = new WeakMap<object, ClassInfo>()

type Marked = { [ROUTES]?: Array<{ method: string; path: string }>; [CHAIN]?: Middleware[] }

/** A controller method for pattern `P`: `c.params` holds `P`'s params. */
export type RouteMethod<P extends string> = (c: Context<ParamsOf<P>>, next: Next) => unknown

/** The decorator `@Get(path)` and its kin return: checks the method takes the pattern's context. */
export type RouteDecorator<P extends string> = <This, M extends (this: This, c: Context<ParamsOf<P>>, next: Next) => unknown>(
  method: M,
  context: ClassMethodDecoratorContext<This, M>,
) => void

/** A decorator for classes (all their routes) and methods (one route). */
export type ClassOrMethodDecorator = (target: object, context: ClassDecoratorContext | ClassMethodDecoratorContext) => void

function classInfo(cls: object): ClassInfo {
  let info = classes.get(cls)
  if (info === undefined) {
    info = { use: [] }
    classes.set(cls, info)
  }
  return info
}

/**
 * A controller class's prefix (its own `@Controller`'s, else its nearest parent's) and middleware (its
 * parents' class-level `@Use`/`@Describe` first, then its own); `undefined` if no class has `@Controller`.
 */
export function infoOf(cls: object): ClassInfo | undefined {
  let prefix: string | undefined
  const use: Middleware[] = []
  for (let c: object | null = cls; c !== null && c !== Function.prototype; c = Object.getPrototypeOf(c)) {
    const info = classes.get(c)
    if (info === undefined) continue
    prefix ??= info.prefix
    use.unshift(...info.use)
  }
  return prefix === undefined ? undefined : { prefix, use }
}

/** The routes and middleware a decorated method carries. */
export function routesOf(fn: unknown): { routes: ReadonlyArray<{ method: string; path: string }>; chain: ReadonlyArray<Middleware> } | undefined {
  const m = fn as Marked
  if (typeof fn !== 'function' || m[ROUTES] === undefined) return undefined
  return { routes: m[ROUTES], chain: m[CHAIN] ?? [] }
}

/**
 * Marks a class as a controller: its decorated methods become routes under `prefix`. Mount an instance with
 * `registerController(app, new UsersController(db))`.
 *
 * @example
 * @Controller('/users')
 * class UsersController {
 *   constructor(private db: Db) {}
 *   @Get('/:id') show(c: Context<ParamsOf<'/:id'>>) { return this.db.user(c.params.id) }
 * }
 */
export function Controller(prefix = '') {
  if (typeof prefix !== 'string' || (prefix !== '' && (!prefix.startsWith('/') || prefix.endsWith('/')))) {
    throw new TypeError(`@Controller(${JSON.stringify(prefix)}): the prefix must start with "/" and not end with "/" (or be empty)`)
  }
  return (target: object, context: ClassDecoratorContext): void => {
    if (context.kind !== 'class') throw new TypeError('@Controller decorates a class')
    classInfo(target).prefix = prefix
  }
}

/**
 * A route: `@Route('GET', '/:id')`; `@Get`, `@Post`, `@Put`, `@Patch`, `@Delete` are its short forms. A
 * method may carry several. The method's context is checked against the pattern's params.
 */
export function Route<const P extends string>(method: string, path: P): RouteDecorator<P> {
  if (typeof method !== 'string' || !/^[A-Za-z]+$/.test(method)) throw new TypeError(`@Route: bad method ${JSON.stringify(method)}`)
  if (typeof path !== 'string' || !path.startsWith('/')) throw new TypeError(`@Route: the path ${JSON.stringify(path)} must start with "/"`)
  return (fn, context) => {
    if (context.kind !== 'method' || context.static || context.private) throw new TypeError('@Route decorates a public instance method')
    const m = fn as Marked
    // Decorators apply bottom-up: prepending registers stacked routes in reading order.
    m[ROUTES] = [{ method: method.toUpperCase(), path }, ...(m[ROUTES] ?? [])]
  }
}

/** `@Get('/:id')`: a GET route (answers HEAD too). */
export const Get = <const P extends string>(path: P): RouteDecorator<P> => Route('GET', path)
/** `@Post('/')`: a POST route. */
export const Post = <const P extends string>(path: P): RouteDecorator<P> => Route('POST', path)
/** `@Put('/:id')`: a PUT route. */
export const Put = <const P extends string>(path: P): RouteDecorator<P> => Route('PUT', path)
/** `@Patch('/:id')`: a PATCH route. */
export const Patch = <const P extends string>(path: P): RouteDecorator<P> => Route('PATCH', path)
/** `@Delete('/:id')`: a DELETE route. */
export const Delete = <const P extends string>(path: P): RouteDecorator<P> => Route('DELETE', path)

/** Adds functions to a method's chain or a class's middleware, keeping the order they are written in. */
function chainDecorator(name: string, fns: Middleware[]): ClassOrMethodDecorator {
  return (target, context) => {
    // Decorators apply bottom-up: prepending keeps the chain in reading (top-down) order.
    if (context.kind === 'class') classInfo(target).use.unshift(...fns)
    else if (context.kind === 'method' && !context.static) {
      const m = target as Marked
      m[CHAIN] = [...fns, ...(m[CHAIN] ?? [])]
    } else throw new TypeError(`@${name} decorates a class or an instance method`)
  }
}

/**
 * Middleware for one route (on a method) or every route of the controller (on the class), in the order
 * written, before the handler.
 *
 * @example
 * @Use(auth) @Delete('/:id') remove(c: Context<{ id: string }>) { … }
 */
export function Use(...middleware: Middleware[]): ClassOrMethodDecorator {
  for (const m of middleware) if (typeof m !== 'function') throw new TypeError('@Use takes middleware functions')
  return chainDecorator('Use', middleware)
}

/**
 * Validates the request before the method (`weir/validate`): `@Validate({ params, query, headers, cookies, body })`.
 * Read the values with `c.valid('body')`.
 *
 * @example
 * @Post('/') @Validate({ body: z.object({ name: z.string() }) }) create(c: Context) { return this.db.create(c.valid('body')) }
 */
export function Validate(schemas: ValidateSchemas): ClassOrMethodDecorator {
  return chainDecorator('Validate', [validate(schemas)])
}

/**
 * OpenAPI docs (`weir/openapi`): summary, tags, responses… on a method, or tags for every route on the class.
 * Never run per request.
 *
 * @example
 * @Get('/:id') @Describe({ summary: 'One user', responses: { 200: User } }) show(c: Context<{ id: string }>) { … }
 */
export function Describe(doc: RouteDoc): ClassOrMethodDecorator {
  return chainDecorator('Describe', [describe(doc)])
}
