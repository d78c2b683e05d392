/** One context per request: the request, the response being built, params and per-request values. */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { Readable } from 'node:stream'
import { HttpError, type HttpErrorOptions } from '../errors.js'
import { type CookieOptions, serializeCookie } from '../utils/cookie.js'
import { type RenderOptions, type Renderer, defaultRenderers, renderInto } from '../render/index.js'
import { type FileOptions, sendFile } from '../stream/file.js'
import { type SSEOptions, type SSESource, SSEStream } from '../stream/sse.js'
import type { ErrorCategory } from './events.js'
import { type ErrorAnswerOptions, type ErrorFormat, toError } from './fail.js'
import { WeirRequest, type RequestSettings } from './request.js'
import { WeirResponse } from './response.js'
import type { ContextVariables, Logger, Params, ResponseBody } from './types.js'

/** What a context needs from its app. */
export interface ContextSettings extends RequestSettings {
  readonly log: Logger
  readonly mode: 'debug' | 'release' | 'test'
  /** Hands an error to the app's error listeners (`c.report`). */
  readonly report?: (err: Error, c: Context, category: ErrorCategory) => void
  /** Answers an error the app's way, then logs and reports it (`c.answerError`). */
  readonly answerError: (err: Error, c: Context, bug: ErrorCategory, options?: ErrorAnswerOptions) => Promise<void> | void
  /** The formats `c.render` chooses from (`createApp({ renderers })`). Default: {@link defaultRenderers}. */
  readonly renderers?: readonly Renderer[]
  /** How the app answers errors (`createApp({ errors })`). Default plain JSON. */
  readonly errors?: ErrorFormat
}

const PLAIN_ERRORS: ErrorFormat = { format: 'plain' }

const DEFAULT_RENDERERS = defaultRenderers()

/** Where `weir/validate` keeps checked input on a context (a symbol shared across files). */
export const VALID: unique symbol = Symbol('weir.valid')

/** A middleware typed by what it checked: what `validate()` from `weir/validate` returns. */
export interface Validated<T> {
  readonly [VALID]?: T
}

/** The parts of a request `validate()` checks. */
export type ValidPart = 'params' | 'query' | 'headers' | 'cookies' | 'body'

const JSON_TYPE = 'application/json'
const TEXT_TYPE = 'text/plain; charset=utf-8'
const HTML_TYPE = 'text/html; charset=utf-8'
const EMPTY_PARAMS: Params = Object.freeze({}) as Params

/**
 * The context of one request: `c.req` reads the request, `c.res` holds the response being built,
 * the helpers (`json`, `text`, `header`, …) write to it.
 *
 * @example
 * app.get('/users/:id', (c) => {
 *   c.header('cache-control', 'no-store')
 *   return c.json({ id: c.params.id })
 * })
 */
export class Context<P extends Params = Params> {
  readonly req: WeirRequest
  readonly res: WeirResponse
  /** Decoded route parameters. */
  params: P
  /** Node's request and response: the escape hatch. Writing to `raw.res` yourself? Set `c.res.bypass = true`. */
  readonly raw: { readonly req: IncomingMessage; readonly res: ServerResponse }
  /** The pattern of the matched route (`/users/:id`), or `undefined` for 404/405. */
  route: string | undefined
  /** The request id (`requestId()` sets it first thing); once set, every `c.log` line carries it. */
  requestId: string | undefined
  readonly #settings: ContextSettings
  #vars: Map<PropertyKey, unknown> | undefined
  #log: Logger | undefined

  constructor(req: IncomingMessage, res: ServerResponse, settings: ContextSettings) {
    this.raw = { req, res }
    this.req = new WeirRequest(req, res, settings)
    this.res = new WeirResponse(settings.log)
    this.params = EMPTY_PARAMS as P
    this.route = undefined
    this.requestId = undefined
    this.#settings = settings
    this.#vars = undefined
    this.#log = undefined
  }

  /** The app's logger; once `c.requestId` is set, a child (made on first use) adding `requestId` to every line. */
  get log(): Logger {
    if (this.#log !== undefined) return this.#log
    if (this.requestId === undefined) return this.#settings.log
    this.#log = bindLogger(this.#settings.log, { requestId: this.requestId })
    return this.#log
  }

  /** Replaces this request's logger (a child with more bindings, say). */
  set log(log: Logger) {
    this.#log = log
  }

  /**
   * The app's logger without this request's bindings: for hot paths (the access log) that add `requestId` themselves.
   *
   * @example
   * c.appLog.info({ requestId: c.requestId, status: 200 }, 'http access log')
   */
  get appLog(): Logger {
    return this.#settings.log
  }

  /**
   * Tells the app's error listeners (`app.onEvent('error', …)`) about an error without answering it:
   * for errors a middleware handles itself (`recover()`, a timeout that answered).
   *
   * @example
   * c.report(err, 'timeout')
   */
  report(err: unknown, category: ErrorCategory = 'unhandled'): void {
    this.#settings.report?.(toError(err), this as Context, category)
  }

  /**
   * Answers an error the way the app answers the errors that reach it — its `onError` hook when set, else
   * the default error answer in the app's format (`options` may change that one) — then logs it once and
   * reports it to `app.onEvent('error')`: at `debug` when it is the client's (a 4xx, or an error the hook
   * answered with a 4xx), else at `error`, category `bug`. Never throws; a promise when the hook is async.
   * For middleware that catch errors to answer them, as `recover()` does.
   *
   * @example
   * try {
   *   await next()
   * } catch (err) {
   *   await c.answerError(err, 'recover')
   * }
   */
  answerError(err: unknown, bug: ErrorCategory = 'unhandled', options?: ErrorAnswerOptions): Promise<void> | void {
    return this.#settings.answerError(toError(err), this as Context, bug, options)
  }

  /** `debug`, `release` or `test` (from `WEIR_MODE`). */
  get mode(): 'debug' | 'release' | 'test' {
    return this.#settings.mode
  }

  /** How this app answers errors (`createApp({ errors })`), for middleware that answer errors themselves. */
  get errorFormat(): ErrorFormat {
    return this.#settings.errors ?? PLAIN_ERRORS
  }

  /** Sets the status code. */
  status(code: number): this {
    if (this.res.sent) return this.#late('set status')
    if (!Number.isInteger(code) || code < 100 || code > 999) throw new TypeError(`Invalid status code ${code}`)
    this.res.status = code
    return this
  }

  /** Sets a response header (`c.req.header(name)` reads a request header). */
  header(name: string, value: string | number | string[]): this {
    this.res.set(name, value)
    return this
  }

  /** Sends JSON. */
  json(value: unknown, status?: number): this {
    return this.#send(JSON.stringify(value) ?? 'null', JSON_TYPE, status)
  }

  /** Sends text as `text/plain; charset=utf-8`. */
  text(value: string, status?: number): this {
    return this.#send(value, TEXT_TYPE, status)
  }

  /** Sends HTML as `text/html; charset=utf-8`. */
  html(value: string, status?: number): this {
    return this.#send(value, HTML_TYPE, status)
  }

  /** Sets the body as is (string, bytes, stream or iterable); `Content-Type` is yours to set. */
  body(value: ResponseBody, status?: number): this {
    if (this.res.sent) return this.#late('set body')
    if (status !== undefined) this.status(status)
    this.res.body = value
    return this
  }

  /**
   * Sets the body from any value by its kind: string → text, bytes → octet-stream, stream or
   * (async) iterable → streamed, Web `Response` → adopted, `null` → empty, a context → unchanged
   * (`return c.json(…)`), anything else → JSON.
   * This is what happens to a value a handler returns.
   */
  send(value: unknown): this {
    if (value instanceof Context) return this
    if (value === undefined || value === null) return this.body(null)
    if (typeof value === 'string') return this.text(value)
    if (value instanceof Uint8Array) return this.#send(value, 'application/octet-stream')
    if (value instanceof ArrayBuffer) return this.#send(new Uint8Array(value), 'application/octet-stream')
    if (value instanceof Response) return this.#adopt(value)
    if (isStream(value)) return this.body(value)
    return this.json(value)
  }

  /**
   * Redirects (302 by default). The location is made header-safe: control characters and spaces are
   * percent-encoded, so a user-supplied URL cannot inject a header.
   */
  redirect(location: string, status = 302): this {
    if (status < 300 || status > 399) throw new TypeError(`Redirect status must be 3xx, got ${status}`)
    this.status(status)
    this.res.set('location', safeLocation(location))
    return this.body(null)
  }

  /**
   * Streams Server-Sent Events from a callback (the stream ends when it settles) or an (async) iterable.
   * Sets `Content-Type: text/event-stream`, `Cache-Control: no-cache` and `X-Accel-Buffering: no`; the
   * body is an ordinary stream on `c.res`, so every middleware sees it. See docs/sse.md.
   *
   * @example
   * app.get('/events', (c) => c.sse(async (stream) => {
   *   await stream.send({ event: 'hello', data: { since: stream.lastEventId ?? null } })
   *   await stream.untilClosed()
   * }))
   */
  sse(source: SSESource, options: SSEOptions = {}): this {
    const stream = new SSEStream(source, options, this.req.header('last-event-id'))
    this.res.set('content-type', 'text/event-stream')
    this.res.set('cache-control', 'no-cache')
    this.res.set('x-accel-buffering', 'no')
    return this.body(stream.body)
  }

  /**
   * Sends a file: type by extension, `ETag`, `Last-Modified`, 304, `Range`, HEAD; opened only when sent.
   * With `root`, `path` (user input, say) cannot leave that directory. See docs/middleware/serve-static.md.
   *
   * @example
   * app.get('/files/*path', (c) => c.file(c.params.path, { root: 'uploads', maxAge: 3600 }))
   */
  async file(path: string, options?: FileOptions): Promise<this> {
    if (this.res.sent) return this.#late('send a file')
    await sendFile(this as Context, path, options)
    return this
  }

  /**
   * Renders a value in the format the client's `Accept` prefers among the app's renderers (JSON, text,
   * HTML, XML by default), adding `Vary: Accept`; 406 `ERR_RENDER_NOT_ACCEPTABLE` when none fits.
   *
   * @example
   * app.get('/users/:id', (c) => c.render(users.get(c.params.id)))
   */
  render(value: unknown, options: RenderOptions = {}): this {
    if (this.res.sent) return this.#late('render')
    if (options.status !== undefined) this.status(options.status)
    renderInto(this as Context, value, options.renderers ?? this.#settings.renderers ?? DEFAULT_RENDERERS)
    return this
  }

  /** Adds a `Set-Cookie` header. Defaults: `Path=/; HttpOnly; SameSite=Lax`. */
  cookie(name: string, value: string, options?: CookieOptions): this {
    this.res.append('set-cookie', serializeCookie(name, value, options))
    return this
  }

  /** Asks the client to delete a cookie (same `path`/`domain` as when it was set). */
  deleteCookie(name: string, options?: Omit<CookieOptions, 'maxAge' | 'expires'>): this {
    return this.cookie(name, '', { ...options, maxAge: 0, expires: new Date(0) })
  }

  /** Stores a per-request value (typed through `ContextVariables`). */
  set<K extends keyof ContextVariables>(key: K, value: ContextVariables[K]): this {
    if (this.#vars === undefined) this.#vars = new Map()
    this.#vars.set(key, value)
    return this
  }

  /** Reads a per-request value stored with `set`. */
  get<K extends keyof ContextVariables>(key: K): ContextVariables[K] | undefined {
    return this.#vars?.get(key) as ContextVariables[K] | undefined
  }

  /**
   * Input checked by a `validate()` middleware (`weir/validate`) of this route: `c.valid(v)` is typed by
   * the validator `v`; `c.valid('body')` is one checked part, as `unknown`. Throws if none checked it.
   *
   * @example
   * const v = validate({ body: z.object({ name: z.string() }) })
   * app.post('/users', v, (c) => ({ hello: c.valid(v).body.name }))
   */
  valid(part: ValidPart): unknown
  valid<T>(validator: Validated<T>): T
  valid(key: ValidPart | Validated<unknown>): unknown {
    const checked = this.#vars?.get(VALID) as Map<unknown, unknown> | undefined
    if (checked === undefined || !checked.has(key)) {
      const what = typeof key === 'string' ? `the ${key}` : 'this validator'
      throw new Error(`c.valid(): no validate() middleware checked ${what} for this request; add it before the handler`)
    }
    return checked.get(key)
  }

  /**
   * Throws an {@link HttpError}, which becomes the response.
   *
   * @example
   * if (!user) c.throw(401, 'Sign in first', { code: 'ERR_AUTH_REQUIRED' })
   */
  throw(status: number, message?: string, options?: HttpErrorOptions): never {
    throw new HttpError(status, message, options)
  }

  #late(what: string): this {
    this.res.late(what)
    return this
  }

  #send(value: string | Uint8Array, type: string, status?: number): this {
    if (this.res.sent) return this.#late('set body')
    if (status !== undefined) this.status(status)
    this.res.headers['content-type'] = type
    this.res.body = value
    return this
  }

  #adopt(response: Response): this {
    this.status(response.status)
    for (const [k, v] of response.headers) {
      if (k === 'set-cookie') continue
      this.res.set(k, v)
    }
    for (const cookie of response.headers.getSetCookie()) this.res.append('set-cookie', cookie)
    return this.body(response.body)
  }
}

/** A logger adding `bindings` to each line: pino's `child`, or a wrapper for loggers without one. */
function bindLogger(log: Logger, bindings: Record<string, unknown>): Logger {
  if (typeof log.child === 'function') return log.child(bindings)
  const bind = (write: (obj: object, msg?: string) => void) => (obj: object, msg?: string) => write.call(log, { ...bindings, ...obj }, msg)
  return { error: bind(log.error), warn: bind(log.warn), info: bind(log.info), debug: bind(log.debug) }
}

/** Whether a value is a body weir streams: Node Readable, Web ReadableStream, async iterable, or sync iterator (generators). */
export function isStream(v: unknown): v is Exclude<ResponseBody, string | Uint8Array | null> {
  if (typeof v !== 'object' || v === null) return false
  return (
    v instanceof Readable ||
    v instanceof ReadableStream ||
    Symbol.asyncIterator in v ||
    // A sync iterator (a generator, `arr.values()`) streams; an iterable that is not one (an array) is JSON.
    (Symbol.iterator in v && typeof (v as { next?: unknown }).next === 'function')
  )
}

function safeLocation(url: string): string {
  // Percent-encode everything outside visible ASCII; keep existing escapes (RFC 3986 §2.1).
  return url.replace(/[^\x21-\x7e]/gu, (ch) => (ch.length === 1 && ch >= '\ud800' && ch <= '\udfff' ? '' : encodeURIComponent(ch)))
}
