/** The router interface the core depends on; implementations live in sibling folders (`radix/`). */

/** Decoded path parameters of a match. Values are percent-decoded; an optional one absent is missing. */
export type Params = Record<string, string>

/** A successful lookup: the value registered for the route and its parameters. */
export interface RouteMatch<T> {
  readonly value: T
  readonly params: Params
  /** The pattern as registered, e.g. `/users/:id(\d+)`. */
  readonly pattern: string
}

/**
 * Why `find` missed. `method` when the path exists for other methods (`allow` lists them, with HEAD
 * when GET exists, and OPTIONS); `none` when no pattern matches; `redirect` when the trailing-slash
 * policy is `redirect` and the other form matches (`location` is the path to send).
 */
export type MissReason =
  | { readonly kind: 'method'; readonly allow: string }
  | { readonly kind: 'none' }
  | { readonly kind: 'redirect'; readonly location: string }

/** Options every router implementation honours. */
export interface RouterOptions {
  /** `strict`: `/a/` and `/a` differ; `ignore`: the same; `redirect`: 301 (308 for non-GET) to the registered form. Default `strict`. */
  trailingSlash?: 'strict' | 'ignore' | 'redirect'
  /** Match static segments case-sensitively. Parameters keep their case either way. Default `true`. */
  caseSensitive?: boolean
  /** Longest accepted parameter value, in bytes of the raw path. Default `500`. */
  maxParamLength?: number
}

/** A router maps a method and a path to a registered value. */
export interface Router<T> {
  /** Registers a pattern; throws `TypeError` for a bad pattern or a conflict, naming both routes. */
  add(method: string, pattern: string, value: T): void
  /**
   * Finds the route for a method and a raw (still percent-encoded) path without its query string.
   * HEAD falls back to GET. The hot path: a static route returns a match allocated at registration.
   * Malformed input (a bad percent-escape, a parameter over `maxParamLength`) throws an `HttpError`.
   */
  find(method: string, path: string): RouteMatch<T> | null
  /** Explains a miss of `find` (the slow path: 405 with `Allow`, trailing-slash redirect, 404). */
  miss(method: string, path: string): MissReason
  /** Every registered route, for introspection and rebuilding. */
  routes(): ReadonlyArray<{ method: string; pattern: string; value: T }>
}
