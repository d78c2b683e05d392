/** The app's route table: registers routes, composes their chains once, and dispatches a context. */
import { type HttpError, createError } from '../errors.js'
import { RadixRouter } from '../router/radix/index.js'
import type { Router, RouterOptions } from '../router/router.js'
import { type Composed, compose } from './compose.js'
import type { Context } from './context.js'
import { sendError } from './fail.js'
import type { RouteTable } from './group.js'
import { type Handler, type Middleware, type RouteInfo, isAnnotation } from './types.js'

/** The chains answering a miss: behind the global middleware, or a group's. */
interface Fallback {
  notFound: Composed
  method: Composed
  options: Composed
  redirect: Composed
}

/** A group prefix: its middleware stacks and the miss chains built from them. */
interface GroupEntry {
  readonly stacks: ReadonlyArray<Middleware[]>
  fallback: Fallback
}

/** The wildcard name group prefixes are registered with; removed from the params a miss sees. */
const REST = 'weirRest'

/** A registered route and its composed chain (rebuilt when middleware is added later). */
interface RouteEntry {
  readonly stacks: ReadonlyArray<Middleware[]>
  readonly fns: Middleware[]
  chain: Composed
}

const notFoundError = (c: Context) => createError('ERR_NOT_FOUND', `No route for ${c.req.method} ${c.req.path}`)

function methodError(c: Context): HttpError {
  const allow = String(c.res.get('allow'))
  return createError('ERR_METHOD_NOT_ALLOWED', `${c.req.method} is not allowed here; allowed: ${allow}`, { headers: { allow } })
}

/** The default 404 handler: an `ERR_NOT_FOUND` error response, JSON or text by `Accept`. */
export const defaultNotFound: Handler = (c) => {
  sendError(c, notFoundError(c))
}

const methodNotAllowed: Handler = (c) => {
  sendError(c, methodError(c))
}

/**
 * The same misses once the app has an `onError` hook: thrown behind the middleware, like any error, so
 * `recover()` and the hook shape them (the 405 keeps its `Allow`, on the response and in the error's headers).
 */
const throwNotFound: Handler = (c) => {
  throw notFoundError(c)
}

const throwMethodNotAllowed: Handler = (c) => {
  throw methodError(c)
}

// RFC 9110 §9.3.7: OPTIONS without a route of its own answers with the methods the path allows.
const optionsAnswer: Handler = (c) => {
  c.status(204)
}

const redirectAnswer: Handler = () => undefined

/**
 * Routes and their chains. Global and group middleware are merged into each route's chain at
 * registration (gin's `combineHandlers`); a later `use()` marks the table dirty and every chain is
 * rebuilt once, before the next request — so a request never merges or allocates a chain.
 */
export class Routes implements RouteTable {
  readonly #router: Router<RouteEntry>
  readonly #entries: RouteEntry[] = []
  /** Group prefixes (`/api`, `/api/*`), looked up only on a miss. */
  readonly #groups: Router<GroupEntry>
  readonly #groupEntries: GroupEntry[] = []
  readonly #global: Middleware[]
  #dirty = true
  #throwMisses = false
  #notFound: Handler = defaultNotFound
  #fallback: Fallback = fallbacks([], { notFound: defaultNotFound, method: methodNotAllowed })

  constructor(global: Middleware[], options: RouterOptions = {}) {
    this.#global = global
    this.#router = new RadixRouter<RouteEntry>(options)
    this.#groups = new RadixRouter<GroupEntry>({ ...options, trailingSlash: 'strict' })
  }

  addGroup(prefix: string, stacks: ReadonlyArray<Middleware[]>): void {
    const entry: GroupEntry = { stacks, fallback: this.#fallback }
    try {
      this.#groups.add('GET', prefix, entry)
      this.#groups.add('GET', `${prefix}/*${REST}`, entry)
    } catch {
      return // the same prefix again: the first group made decides
    }
    this.#groupEntries.push(entry)
    this.#dirty = true
  }

  add(method: string, pattern: string, stacks: ReadonlyArray<Middleware[]>, fns: Middleware[]): void {
    const entry: RouteEntry = { stacks, fns, chain: compose([]) }
    this.#router.add(method, pattern, entry)
    this.#entries.push(entry)
    this.#dirty = true
  }

  changed(): void {
    this.#dirty = true
  }

  /** Replaces the 404 handler (it runs after global middleware). */
  setNotFound(handler: Handler): void {
    this.#notFound = handler
    this.#dirty = true
  }

  /** From now on the default 404 and the 405 are thrown, not answered (the app has an `onError` hook). */
  throwMisses(): void {
    this.#throwMisses = true
    this.#dirty = true
  }

  /** Registered routes with their handler lists, for introspection (documentation, OpenAPI). */
  list(): RouteInfo[] {
    return this.#router.routes().map(({ method, pattern, value }) => ({ method, pattern, handlers: [...value.stacks.flat(), ...value.fns] }))
  }

  /**
   * Finds the route and runs its chain; misses run global middleware (and the middleware of the innermost
   * group whose prefix holds the path) then the 404/405/OPTIONS answer, and
   * so do paths the router refuses (400 `ERR_BAD_PERCENT_ENCODING`, 414 `ERR_PARAM_TOO_LONG`): the access
   * log, request id and CORS see those too.
   */
  dispatch(c: Context): Promise<void> | void {
    if (this.#dirty) this.#rebuild()
    let m: ReturnType<Router<RouteEntry>['find']>
    try {
      m = this.#router.find(c.req.method, c.req.path)
    } catch (err) {
      // Rare (a hostile or broken path), so a chain made for this request is fine: the error is thrown
      // where the handler would run, after the global middleware.
      const refused: Middleware = () => {
        throw err
      }
      return compose([...this.#global, refused])(c)
    }
    if (m !== null) {
      c.params = m.params
      c.route = m.pattern
      return m.value.chain(c)
    }
    return this.#miss(c)
  }

  #miss(c: Context): Promise<void> | void {
    const why = this.#router.miss(c.req.method, c.req.path)
    const fallback = this.#groupFallback(c) ?? this.#fallback
    if (why.kind === 'none') return fallback.notFound(c)
    if (why.kind === 'redirect') {
      const search = c.req.search
      const get = c.req.method === 'GET' || c.req.method === 'HEAD'
      c.redirect(search ? `${why.location}?${search}` : why.location, get ? 301 : 308)
      return fallback.redirect(c)
    }
    c.res.set('allow', why.allow)
    return c.req.method === 'OPTIONS' ? fallback.options(c) : fallback.method(c)
  }

  /** The miss chains of the innermost group whose prefix holds the path, with that prefix's params. */
  #groupFallback(c: Context): Fallback | undefined {
    if (this.#groupEntries.length === 0) return undefined
    let m: ReturnType<Router<GroupEntry>['find']>
    try {
      m = this.#groups.find('GET', c.req.path)
    } catch {
      return undefined
    }
    if (m === null) return undefined
    const { [REST]: _rest, ...params } = m.params
    c.params = params
    return m.value.fallback
  }

  /** The 404 and 405 handlers: answering, or throwing once the app has an `onError` hook; a custom 404 as given. */
  #misses(): Misses {
    const custom = this.#notFound !== defaultNotFound
    if (!this.#throwMisses) return { notFound: this.#notFound, method: methodNotAllowed }
    return { notFound: custom ? this.#notFound : throwNotFound, method: throwMethodNotAllowed }
  }

  #rebuild(): void {
    const g = this.#global
    // Annotations (route documentation) are listed by `list()` but left out of the chains: they cost nothing per request.
    for (const e of this.#entries) e.chain = compose(runnable([...e.stacks.flat(), ...e.fns]))
    const misses = this.#misses()
    this.#fallback = fallbacks(runnable(g), misses)
    for (const e of this.#groupEntries) e.fallback = fallbacks(runnable(e.stacks.flat()), misses)
    this.#dirty = false
  }
}

function runnable(fns: Middleware[]): Middleware[] {
  return fns.some(isAnnotation) ? fns.filter((f) => !isAnnotation(f)) : fns
}

/** The handlers answering a miss: the 404's and the 405's. */
interface Misses {
  notFound: Handler
  method: Handler
}

function fallbacks(stack: Middleware[], misses: Misses): Fallback {
  return {
    notFound: compose([...stack, misses.notFound as Middleware]),
    method: compose([...stack, misses.method as Middleware]),
    options: compose([...stack, optionsAnswer as Middleware]),
    redirect: compose([...stack, redirectAnswer as Middleware]),
  }
}
