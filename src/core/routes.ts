/** The app's route table: registers routes, composes their chains once, and dispatches a context. */
import { createError } from '../errors.js'
import { RadixRouter } from '../router/radix/index.js'
import type { Router, RouterOptions } from '../router/router.js'
import { type Composed, compose } from './compose.js'
import type { Context } from './context.js'
import { sendError } from './fail.js'
import type { RouteTable } from './group.js'
import type { Handler, Middleware } from './types.js'

/** A registered route and its composed chain (rebuilt when middleware is added later). */
interface RouteEntry {
  readonly stacks: ReadonlyArray<Middleware[]>
  readonly fns: Middleware[]
  chain: Composed
}

/** The default 404 handler: an `ERR_NOT_FOUND` error response, JSON or text by `Accept`. */
export const defaultNotFound: Handler = (c) => {
  sendError(c, createError('ERR_NOT_FOUND', `No route for ${c.req.method} ${c.req.path}`))
}

const methodNotAllowed: Handler = (c) => {
  sendError(c, createError('ERR_METHOD_NOT_ALLOWED', `${c.req.method} is not allowed here; allowed: ${c.res.get('allow')}`))
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
  readonly #global: Middleware[]
  #dirty = true
  #notFound: Handler = defaultNotFound
  #fallback = { notFound: compose([]), method: compose([]), options: compose([]), redirect: compose([]) }

  constructor(global: Middleware[], options: RouterOptions = {}) {
    this.#global = global
    this.#router = new RadixRouter<RouteEntry>(options)
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

  /** Registered routes, for introspection. */
  list(): ReadonlyArray<{ method: string; pattern: string }> {
    return this.#router.routes().map(({ method, pattern }) => ({ method, pattern }))
  }

  /**
   * Finds the route and runs its chain; misses run global middleware then the 404/405/OPTIONS answer, and
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
    if (why.kind === 'none') return this.#fallback.notFound(c)
    if (why.kind === 'redirect') {
      const search = c.req.search
      const get = c.req.method === 'GET' || c.req.method === 'HEAD'
      c.redirect(search ? `${why.location}?${search}` : why.location, get ? 301 : 308)
      return this.#fallback.redirect(c)
    }
    c.res.set('allow', why.allow)
    return c.req.method === 'OPTIONS' ? this.#fallback.options(c) : this.#fallback.method(c)
  }

  #rebuild(): void {
    const g = this.#global
    for (const e of this.#entries) e.chain = compose([...e.stacks.flat(), ...e.fns])
    this.#fallback = {
      notFound: compose([...g, this.#notFound as Middleware]),
      method: compose([...g, methodNotAllowed as Middleware]),
      options: compose([...g, optionsAnswer as Middleware]),
      redirect: compose([...g, redirectAnswer as Middleware]),
    }
    this.#dirty = false
  }
}
