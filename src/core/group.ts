/** Route groups: a prefix and middleware, nestable; the app itself is the root group. */
import { type Handler, type Middleware, type Params, type ParamsOf, isAnnotation } from './types.js'

/** Where groups register routes (the app's route table). */
export interface RouteTable {
  add(method: string, pattern: string, stacks: ReadonlyArray<Middleware[]>, fns: Middleware[]): void
  /** A group's prefix and middleware: requests to unknown paths under the prefix pass them too. */
  addGroup(prefix: string, stacks: ReadonlyArray<Middleware[]>): void
  changed(): void
}

/** The methods `all()` registers. */
export const ALL_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const

type Fn<P extends string> = Handler<ParamsOf<P>>

/**
 * A set of routes under one prefix sharing middleware. Middleware of outer groups runs first, then the
 * group's own, then the route's. `use()` applies to every route of the group, whenever it is called:
 * chains are rebuilt before the next request. A request under the prefix that no route matches (404, 405,
 * OPTIONS, a trailing-slash redirect) passes the group's middleware too, so `/api/nope` is refused by the
 * group's authentication like `/api/real`, and unknown paths reveal nothing; when several groups share a
 * prefix, the first made decides.
 *
 * @example
 * const api = app.group('/api', auth)
 * api.get('/items/:id', (c) => ({ id: c.params.id }))
 * const admin = api.group('/admin', requireAdmin)   // auth, then requireAdmin
 */
export class Group<Prefix extends string = ''> {
  readonly #table: RouteTable
  readonly #prefix: string
  readonly #stacks: ReadonlyArray<Middleware[]>
  readonly #own: Middleware[]

  constructor(table: RouteTable, prefix: string, outer: ReadonlyArray<Middleware[]>, own: Middleware[]) {
    if (prefix !== '' && (!prefix.startsWith('/') || prefix.endsWith('/'))) {
      throw new TypeError(`Group prefix ${JSON.stringify(prefix)} must start with "/" and not end with "/"`)
    }
    this.#table = table
    this.#prefix = prefix
    this.#own = own
    this.#stacks = [...outer, own]
    if (prefix !== '') table.addGroup(prefix, this.#stacks)
  }

  /** Adds middleware to every route of this group (and of the app, for the app itself). */
  use(...middleware: Middleware[]): this {
    for (const m of middleware) if (typeof m !== 'function') throw new TypeError('use() takes middleware functions')
    this.#own.push(...middleware)
    this.#table.changed()
    return this
  }

  /** A nested group; its routes run this group's middleware, then its own. */
  group<P extends string>(prefix: P, ...middleware: Middleware<ParamsOf<`${Prefix}${P}`>>[]): Group<`${Prefix}${P}`> {
    return new Group(this.#table, this.#prefix + prefix, this.#stacks, [...(middleware as Middleware[])])
  }

  /** Registers handlers for one method or several. */
  on<P extends string>(method: string | readonly string[], path: P, ...handlers: Fn<`${Prefix}${P}`>[]): this {
    if (handlers.length === 0) throw new TypeError(`Route ${path} needs at least one handler`)
    for (const h of handlers) if (typeof h !== 'function') throw new TypeError(`Route ${path}: handlers must be functions`)
    if (isAnnotation(handlers[handlers.length - 1])) throw new TypeError(`Route ${path}: the last function must be the handler, not an annotation`)
    const pattern = this.#prefix === '' ? path : path === '/' ? this.#prefix : this.#prefix + path
    for (const m of typeof method === 'string' ? [method] : method) {
      this.#table.add(m.toUpperCase(), pattern, this.#stacks, handlers as unknown as Middleware<Params>[])
    }
    return this
  }

  /** `GET` (and `HEAD`, answered by the same handler without a body). */
  get<P extends string>(path: P, ...handlers: Fn<`${Prefix}${P}`>[]): this {
    return this.on('GET', path, ...handlers)
  }
  post<P extends string>(path: P, ...handlers: Fn<`${Prefix}${P}`>[]): this {
    return this.on('POST', path, ...handlers)
  }
  put<P extends string>(path: P, ...handlers: Fn<`${Prefix}${P}`>[]): this {
    return this.on('PUT', path, ...handlers)
  }
  patch<P extends string>(path: P, ...handlers: Fn<`${Prefix}${P}`>[]): this {
    return this.on('PATCH', path, ...handlers)
  }
  delete<P extends string>(path: P, ...handlers: Fn<`${Prefix}${P}`>[]): this {
    return this.on('DELETE', path, ...handlers)
  }
  options<P extends string>(path: P, ...handlers: Fn<`${Prefix}${P}`>[]): this {
    return this.on('OPTIONS', path, ...handlers)
  }
  head<P extends string>(path: P, ...handlers: Fn<`${Prefix}${P}`>[]): this {
    return this.on('HEAD', path, ...handlers)
  }
  /** Every method in {@link ALL_METHODS}. */
  all<P extends string>(path: P, ...handlers: Fn<`${Prefix}${P}`>[]): this {
    return this.on(ALL_METHODS, path, ...handlers)
  }
}
