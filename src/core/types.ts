/** Public types shared by the core files: handlers, middleware, typed params and per-request values. */
import type { Readable } from 'node:stream'
import type { Context } from './context.js'

/** Parameters of a matched route, decoded. */
export type Params = Record<string, string>

/**
 * Values carried by a request from one middleware to the next, typed by module augmentation
 * (hono's `ContextVariableMap`).
 *
 * @example
 * declare module 'weir' {
 *   interface ContextVariables { user: { id: string } }
 * }
 * app.use(async (c, next) => { c.set('user', { id: '42' }); await next() })
 * app.get('/me', (c) => c.get('user'))   // typed { id: string } | undefined
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled by users through module augmentation
export interface ContextVariables {}

/** Calls the rest of the chain; resolves once everything downstream has finished. */
export type Next = () => Promise<void> | void

/**
 * A middleware: code before `await next()` runs on the way in, code after it on the way out.
 * Not calling `next()` stops the chain; calling it twice is an error.
 *
 * @example
 * const timing: Middleware = async (c, next) => {
 *   const t = performance.now()
 *   await next()
 *   c.header('x-time', `${performance.now() - t}`)
 * }
 */
export type Middleware<P extends Params = Params> = (c: Context<P>, next: Next) => unknown

/**
 * A route handler. It may set the response on `c` or return the body: an object becomes JSON, a string
 * text, bytes an octet-stream, a stream or (async) iterable is streamed, a Web `Response` is adopted.
 *
 * @example
 * app.get('/users/:id', (c) => ({ id: c.params.id }))
 */
export type Handler<P extends Params = Params> = (c: Context<P>, next: Next) => unknown

/** What a response body may be once set on the context. Objects are serialised when set. */
export type ResponseBody =
  | string
  | Uint8Array
  | Readable
  | ReadableStream<Uint8Array | string>
  | AsyncIterable<Uint8Array | string>
  | Iterable<Uint8Array | string>
  | null

/**
 * Marks a function of a route's handler list as an annotation: `app.routes()` lists it with the route (route
 * documentation, OpenAPI), but requests never run it, so it costs nothing per request. The property's value
 * is the annotation's data.
 *
 * @example
 * const doc = Object.assign(function doc() {}, { [ANNOTATION]: { summary: 'A user' } })
 * app.get('/users/:id', doc, show)   // runs only `show`; app.routes()[0].handlers holds `doc`
 */
export const ANNOTATION: unique symbol = Symbol.for('weir.annotation')

/** A registered route as `app.routes()` lists it. */
export interface RouteInfo {
  /** `GET`, `POST`, … (the `HEAD` a `GET` route answers is not listed). */
  method: string
  /** The full pattern, group prefixes included. */
  pattern: string
  /** Every function of the route's chain in run order — the app's and groups' middleware, then the route's own — annotations included. */
  handlers: ReadonlyArray<Middleware>
}

/** `true` for a function carrying {@link ANNOTATION}: listed with its route, never run. */
export function isAnnotation(fn: unknown): boolean {
  return typeof fn === 'function' && (fn as { [ANNOTATION]?: unknown })[ANNOTATION] !== undefined
}

/** The error hook: answer the error on `c` (or return a body). Runs for every error the chain did not handle. */
export type ErrorHandler = (err: Error, c: Context) => unknown

/** A minimal logger interface; pino's `Logger` satisfies it. */
export interface Logger {
  error(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
  info(obj: object, msg?: string): void
  debug(obj: object, msg?: string): void
  /** A logger adding `bindings` to every line (pino's `child`); `c.log` uses it for the request id. */
  child?(bindings: Record<string, unknown>): Logger
}

type Segment<P extends string> = P extends `${infer A}/${infer B}` ? A | Segment<B> : P
type NameOf<S extends string> = S extends `${infer N}(${string}` ? NameOf<N> : S extends `${infer N}?` ? N : S
type Required_<S> = S extends `:${infer N}` ? (N extends `${string}?` | `${string}?(${string}` ? never : NameOf<N>) : S extends `*${infer W}` ? (W extends '' ? '*' : W) : never
type Optional_<S> = S extends `:${infer N}` ? (N extends `${string}?` | `${string}?(${string}` ? NameOf<N> : never) : never

/**
 * The params type of a route pattern: `ParamsOf<'/users/:id/files/*path'>` is `{ id: string; path: string }`;
 * an optional `:name?` is `string | undefined`.
 */
export type ParamsOf<P extends string> = string extends P
  ? Params
  : { [K in Required_<Segment<P>>]: string } & { [K in Optional_<Segment<P>>]?: string }
