/** The application: options, the request handler, listen and graceful close. */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { expectContinue } from '../body/continue.js'
import type { BodyLimits } from '../body/limits.js'
import { resolveBody } from '../body/settings.js'
import { createError } from '../errors.js'
import type { RouterOptions } from '../router/router.js'
import { consoleLogger } from '../utils/console-logger.js'
import { type Mode, resolveMode } from '../utils/mode.js'
import type { TrustProxy } from '../utils/proxy.js'
import { onClientError, versionErrorCode } from './client-error.js'
import { Context, type ContextSettings } from './context.js'
import { type AppEvents, type ErrorCategory, Events, type LifecycleOptions, categorize, guard } from './events.js'
import { type ErrorAnswerOptions, type ErrorFormat, checkErrorFormat, recordError, sendError, toError } from './fail.js'
import { Group } from './group.js'
import { requestInMemory } from './memory.js'
import { respond } from './respond.js'
import { type Renderer, checkRenderers } from '../render/index.js'
import { Routes } from './routes.js'
import { type ListenTls, type NodeServer, type Served, makeServer } from './server.js'
import { type Http2Limits, adoptHttp2 } from './http2.js'
import { upgradeListener } from './upgrade.js'
import type { ErrorHandler, Handler, Logger, Middleware, RouteInfo } from './types.js'

/** Node server settings; weir's defaults cut slow clients sooner than Node's. */
export interface ServerOptions {
  /** Time to receive the headers, ms. Default `10_000` (Node: 60 000). */
  headersTimeout?: number
  /** Time to receive the whole request, ms. Default `60_000` (Node: 300 000). */
  requestTimeout?: number
  /** Idle time of a kept-alive connection, ms. Default `5_000`. */
  keepAliveTimeout?: number
  /** How often Node checks the two timeouts above, ms. Default `1_000` (Node: 30 000). */
  connectionsCheckingInterval?: number
  /** Largest request head, bytes. Default Node's 16 KiB. */
  maxHeaderSize?: number
  /** Most header fields in a request; more is 431 `ERR_TOO_MANY_HEADERS`. Default `100` (Node silently drops past 2000). */
  maxHeadersCount?: number
  /** HTTP/2 limits (streams per session, header list size, idle time, flood limits); see docs/https.md. */
  http2?: Http2Limits
}

/** Options of {@link createApp}. */
export interface AppOptions {
  /** `debug`, `release` or `test`. Default: `WEIR_MODE`, else `release` if `NODE_ENV=production`, else `debug`. */
  mode?: Mode
  /** Which proxies to believe about the client (`X-Forwarded-*`). Default `false`. */
  trustProxy?: TrustProxy
  /** Router policies: trailing slash, case, maximum parameter length. */
  router?: RouterOptions
  /** Server timeouts and sizes used by `listen`. */
  server?: ServerOptions
  /** Logger; pino's satisfies the interface. Default: JSON lines on stderr from level `debug` (debug mode), `info` (release) or `error` (test). */
  logger?: Logger
  /** The formats `c.render` negotiates, first preferred. Default `defaultRenderers()`: JSON, text, HTML, XML. */
  renderers?: Renderer[]
  /** Request body limits (`body` 1 MiB, `jsonDepth` 64, …; see docs/body.md); routes may change them. */
  limits?: BodyLimits
  /**
   * The one format of every error answer of the app — the core's 404 and 405, thrown errors, `recover()`,
   * requests the parser refused. Default `{ format: 'plain' }`: `{ status, code, message }` JSON;
   * `{ format: 'problem' }` for RFC 9457 `application/problem+json`.
   */
  errors?: ErrorFormat
}

/** Options of `listen`; `signals`, `safety`, `closeTimeout` and `exit` are documented in docs/graceful-close.md. */
export interface ListenOptions extends LifecycleOptions {
  /** Default `PORT` from the environment, else 3000; `0` picks a free port (read it from `app.port`). */
  port?: number
  /** Default `127.0.0.1`; use `0.0.0.0` or `::` to accept connections from other machines. */
  host?: string
  /** Serve HTTPS: `{ key, cert }` (PEM) or any `node:tls` secure context option. See docs/https.md. */
  tls?: ListenTls
  /**
   * `true` (with `tls`): HTTP/2 and HTTP/1.1 on the same TLS port, chosen by ALPN. `'h2c'`: cleartext HTTP/2
   * with prior knowledge, for a proxy in front that speaks it. Default `false`.
   */
  http2?: boolean | 'h2c'
}

/** The app's request listener: for `node:http`, `node:https` and `node:http2` servers alike. */
export type RequestListener = (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse) => void

/** Options of `close`. */
export interface CloseOptions {
  /** How long requests in flight may take before their connections are cut, ms. Default `10_000`. */
  timeout?: number
  /**
   * After the cut, how long `close()` waits for the cut requests to be torn down — stream sources
   * destroyed (a generator's `finally` run), `c.req.signal` fired, access-log lines written — ms.
   * A handler still running then is logged (`ERR_CLOSE_TEARDOWN`) and left behind. Default `5_000`.
   */
  teardown?: number
}

/**
 * A weir application: register routes and middleware, then `listen` or mount `handler()`.
 *
 * @example
 * const app = createApp()
 * app.get('/hello', () => ({ hello: 'world' }))
 * await app.listen({ port: 3000 })
 */
export class App extends Group<''> {
  /** The resolved run mode. */
  readonly mode: Mode
  /** The app's logger. */
  readonly log: Logger
  readonly #routes: Routes
  readonly #settings: ContextSettings
  readonly #errors: ErrorFormat
  readonly #options: AppOptions
  #onError: ErrorHandler | undefined
  #served: Served | undefined
  #closing: Promise<void> | undefined
  #inflight = 0
  /** Set while `close()` waits for the requests it cut to finish. */
  #drained: (() => void) | undefined
  readonly #events: Events
  #unguard: (() => void) | undefined
  /** `rawHeaders` holds name and value: twice the header count. */
  readonly #maxRawHeaders: number

  constructor(options: AppOptions = {}) {
    const global: Middleware[] = []
    const routes = new Routes(global, options.router)
    super(routes, '', [], global)
    this.#routes = routes
    this.#options = options
    this.mode = resolveMode(options.mode)
    // Release mode logs `info` and up: the access log is `info`, and a service must log its requests.
    this.log = options.logger ?? consoleLogger(DEFAULT_LEVEL[this.mode])
    this.#events = new Events(this.log)
    const report = (err: Error, c: Context, category: string) => this.#events.emitError(err, c, category)
    const body = resolveBody({ limits: options.limits })
    const renderers = options.renderers === undefined ? undefined : checkRenderers(options.renderers)
    this.#errors = checkErrorFormat(options.errors, 'createApp(): errors')
    const answerError = (err: Error, c: Context, bug: ErrorCategory, answer?: ErrorAnswerOptions) => this.#fail(err, c, bug, undefined, answer)
    this.#settings = { log: this.log, mode: this.mode, trustProxy: options.trustProxy ?? false, report, answerError, body, renderers, errors: this.#errors }
    this.#maxRawHeaders = 2 * (options.server?.maxHeadersCount ?? 100)
  }

  /** Answers requests no route matches (after global middleware). Default: 404 `ERR_NOT_FOUND`. */
  notFound(handler: Handler): this {
    this.#routes.setNotFound(handler)
    return this
  }

  /**
   * Makes the answer to every error: thrown ones, those `recover()` catches, and the core's 404 and 405
   * (thrown as `ERR_NOT_FOUND` / `ERR_METHOD_NOT_ALLOWED` once a hook is set). It sets the response on `c`
   * or returns a body. Default: the error's status, in the app's error format, JSON or text by `Accept`.
   *
   * @example
   * app.onError((err, c) => c.json({ error: err.message }, err instanceof HttpError ? err.status : 500))
   */
  onError(handler: ErrorHandler): this {
    this.#onError = handler
    this.#routes.throwMisses()
    return this
  }

  /**
   * Listens to app events: `'error'` hears every unhandled error with its context and category
   * (`recover`, `unhandled`, `http`, `body`, `validation`, `timeout`, `stream`, `respond`, `process`);
   * `'closing'` runs when a close starts, with its timeout, and `close()` waits for it (WebSockets close
   * with 1001 there); `'close'` runs (awaited) after a close a signal or a crash started, before the
   * process exits.
   * Returns a function that removes the listener.
   *
   * @example
   * app.onEvent('error', (err, c, category) => alert(category, err, c?.requestId))
   */
  onEvent<K extends keyof AppEvents>(name: K, listener: AppEvents[K]): () => void {
    return this.#events.on(name, listener)
  }

  /** `true` from the moment `close()` starts (a signal, a crash or a call): readiness probes should fail. */
  get closing(): boolean {
    return this.#closing !== undefined
  }

  /**
   * The registered routes in registration order: method, full pattern, and the functions of each route's
   * chain (middleware, annotations such as `describe()`, the handler), which tools like `weir/openapi` read.
   */
  routes(): ReadonlyArray<RouteInfo> {
    return this.#routes.list()
  }

  /**
   * The plain `(req, res)` listener, for any `node:http` or `node:https` server, or a `node:http2` server
   * (its compatibility API: `http2.createSecureServer({ allowHTTP1: true, ...tls }, app.handler())`).
   *
   * @example
   * http2.createSecureServer({ key, cert, allowHTTP1: true }, app.handler()).listen(8443)
   */
  handler(): RequestListener {
    return this.#handle as RequestListener
  }

  /**
   * The server's `upgrade` listener, for a server you create yourself: upgrade requests (WebSocket) then go
   * through the routes and middleware like any request (`listen` adds it for you).
   *
   * @example
   * const server = createServer(app.handler()).on('upgrade', app.upgradeHandler())
   */
  upgradeHandler(): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
    return this.#upgrade
  }

  /**
   * Runs a request in memory, without a socket, and resolves with a Web `Response`.
   *
   * @example
   * const res = await app.request('/users/42', { headers: { accept: 'application/json' } })
   * assert.equal(res.status, 200)
   */
  request(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    return requestInMemory(this.#handle, input, init)
  }

  /** The bound port once `listen` has resolved. */
  get port(): number | undefined {
    const addr = this.#served?.server.address()
    return addr && typeof addr === 'object' ? (addr as AddressInfo).port : undefined
  }

  /** The Node server once `listen` was called: `node:http`, `node:https`, or `node:http2` with `http2`. */
  get server(): NodeServer | undefined {
    return this.#served?.server
  }

  /**
   * Starts a server — HTTP/1.1, HTTPS with `tls`, HTTP/2 with `http2` — and resolves once it is bound.
   *
   * @example
   * await app.listen({ port: 443, host: '0.0.0.0', tls: { key, cert }, http2: true })
   */
  listen(options?: ListenOptions & { http2?: false }): Promise<import('node:http').Server>
  listen(options: ListenOptions): Promise<NodeServer>
  listen(options: ListenOptions = {}): Promise<NodeServer> {
    if (this.#served) return Promise.reject(new Error('listen() was already called on this app'))
    let port: number
    let served: Served
    try {
      port = options.port ?? portFromEnv()
      served = this.#makeServer(options)
    } catch (err) {
      return Promise.reject(err)
    }
    this.#served = served
    const server = served.server
    return new Promise((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, options.host ?? '127.0.0.1', () => {
        server.off('error', reject)
        try {
          this.#unguard = guard(this, this.#events, options)
        } catch (err) {
          server.close()
          return reject(err)
        }
        resolve(server)
      })
    })
  }

  /**
   * Graceful close: stop accepting, let requests in flight finish (a new request on a kept-alive
   * connection gets 503 and `Connection: close`), close idle connections at once, cut the rest at
   * `timeout`. Resolves when the server is closed and every request it cut has been torn down (within
   * `teardown`): stream sources stopped, `c.req.signal` fired, access-log lines written.
   */
  close(options: CloseOptions = {}): Promise<void> {
    this.#closing ??= this.#shutdown(options.timeout ?? 10_000, options.teardown ?? 5_000)
    return this.#closing
  }

  #makeServer(options: ListenOptions): Served {
    const s = this.#options.server ?? {}
    const settings = {
      headersTimeout: s.headersTimeout ?? 10_000,
      requestTimeout: s.requestTimeout ?? 60_000,
      keepAliveTimeout: s.keepAliveTimeout ?? 5_000,
      connectionsCheckingInterval: s.connectionsCheckingInterval ?? 1_000,
      maxHeaderSize: s.maxHeaderSize,
      http2: s.http2,
    }
    const listeners = { request: this.#handle, checkContinue: this.#continue, upgrade: this.#upgrade, clientError: onClientError(this.log, this.#errors) }
    const served = makeServer(options.tls, options.http2, settings, listeners)
    ;(served.server as { maxHeadersCount?: number }).maxHeadersCount = this.#maxRawHeaders / 2 + 1
    return served
  }

  async #shutdown(timeout: number, teardown: number): Promise<void> {
    const served = this.#served
    if (!served) return
    const server = served.server
    const closed = new Promise<void>((resolve) => server.close(() => resolve()))
    // Connections the server does not track (WebSockets) are closed by their owners, side by side.
    const closing = this.#events.emitClosing(timeout)
    const deadline = Date.now() + timeout
    while (this.#inflight > 0 && Date.now() < deadline) {
      served.closeIdle()
      await new Promise((r) => setTimeout(r, 25))
    }
    served.closeIdle()
    const cut = setTimeout(() => served.closeAll(), Math.max(0, deadline - Date.now()))
    // An upgraded socket (a WebSocket) is not the server's to cut: its owner closes it on 'closing'. One
    // that stays open must not hold close() forever.
    const late = new Promise<'late'>((r) => setTimeout(() => r('late'), Math.max(0, deadline - Date.now()) + teardown).unref())
    if ((await Promise.race([closed, late])) === 'late') {
      this.log.warn({ code: 'ERR_CLOSE_TEARDOWN' }, `The server still had connections ${teardown} ms after the close timeout (upgraded sockets nobody closed?)`)
    }
    clearTimeout(cut)
    // The sockets are gone, but what they carried is torn down asynchronously: sources destroyed (a
    // generator's `finally`), `c.req.signal` fired, access-log lines written. Wait for that too.
    if (this.#inflight > 0) await this.#drain(teardown)
    await Promise.race([closing, new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now()) + teardown).unref())])
    this.#unguard?.()
  }

  /** Resolves when every request in flight has finished, or after `ms` (logging how many had not). */
  #drain(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#drained = undefined
        this.log.warn({ code: 'ERR_CLOSE_TEARDOWN', inflight: this.#inflight }, `${this.#inflight} request(s) still running ${ms} ms after their connections were cut (a handler ignoring c.req.signal?)`)
        resolve()
      }, ms)
      this.#drained = () => {
        clearTimeout(timer)
        this.#drained = undefined
        resolve()
      }
    })
  }

  readonly #upgrade = upgradeListener(
    (req, res) => this.#handle(req, res),
    (listener) => void this.#events.on('closing', listener),
  )

  readonly #continue = (req: IncomingMessage, res: ServerResponse): void => {
    expectContinue(req, res)
    this.#handle(req, res)
  }

  readonly #handle = (req: IncomingMessage, res: ServerResponse): void => {
    const h2 = req.httpVersionMajor === 2 && adoptHttp2(req)
    const c = new Context(req, res, this.#settings)
    this.#inflight++
    if (this.#closing !== undefined) return this.#reject(c, 'ERR_SERVER_CLOSING')
    const hosts = hostCount(req.rawHeaders)
    if (hosts > 1) return this.#reject(c, 'ERR_DUPLICATE_HOST')
    if (hosts === 0 && req.httpVersionMinor === 1 && req.httpVersionMajor === 1) return this.#reject(c, 'ERR_MISSING_HOST')
    if (req.httpVersionMajor !== 1 && !h2) return this.#reject(c, versionErrorCode(req.httpVersionMajor))
    if (req.rawHeaders.length > this.#maxRawHeaders) return this.#reject(c, 'ERR_TOO_MANY_HEADERS')
    let out: Promise<void> | void
    try {
      out = this.#routes.dispatch(c)
    } catch (err) {
      out = this.#fail(err, c)
    }
    if (out != null && typeof out.then === 'function') {
      out.then(
        () => this.#respond(c),
        (err) => this.#failThenRespond(err, c),
      )
    } else this.#respond(c)
  }

  #reject(c: Context, code: 'ERR_SERVER_CLOSING' | 'ERR_DUPLICATE_HOST' | 'ERR_MISSING_HOST' | 'ERR_HTTP_VERSION' | 'ERR_BAD_REQUEST' | 'ERR_TOO_MANY_HEADERS'): void {
    c.res.set('connection', 'close')
    sendError(c, createError(code))
    this.#respond(c)
  }

  #failThenRespond(err: unknown, c: Context): void {
    const out = this.#fail(err, c)
    if (out !== undefined) out.then(() => this.#respond(c))
    else this.#respond(c)
  }

  /**
   * Turns an error into the response — through `onError` when set — then logs and reports it, once its
   * answer is known: an error answered with a 4xx is the client's (see `recordError`). `bug` is the
   * category of an error that is the app's; `category` wins over any other. Never throws.
   */
  #fail(thrown: unknown, c: Context, bug: ErrorCategory = 'unhandled', category?: ErrorCategory, answer?: ErrorAnswerOptions): Promise<void> | void {
    const err = toError(thrown)
    const out = this.#answer(err, c, answer)
    if (out instanceof Promise) return out.then((broke) => this.#record(err, c, bug, category, broke))
    this.#record(err, c, bug, category, out)
  }

  /** Sets the answer to an error; returns (or resolves with) what an `onError` hook threw, answered by default. */
  #answer(err: Error, c: Context, answer?: ErrorAnswerOptions): Promise<Error | undefined> | Error | undefined {
    const hook = this.#onError
    if (hook === undefined) {
      sendError(c, err, answer)
      return undefined
    }
    try {
      const out = hook(err, c)
      if (out instanceof Promise) {
        return out.then((v) => void (v !== undefined && c.send(v))).then(
          () => undefined,
          (e) => this.#hookFailed(e, c, answer),
        )
      }
      if (out !== undefined) c.send(out)
    } catch (e) {
      return this.#hookFailed(e, c, answer)
    }
  }

  #hookFailed(thrown: unknown, c: Context, answer?: ErrorAnswerOptions): Error {
    const err = toError(thrown)
    sendError(c, err, answer)
    return err
  }

  #record(err: Error, c: Context, bug: ErrorCategory, category: ErrorCategory | undefined, broke: Error | undefined): void {
    recordError(c, err, bug, category)
    if (broke === undefined) return
    c.log.error({ err: broke, code: 'ERR_ON_ERROR_FAILED' }, 'The onError handler threw; answering with the default error response')
    this.#events.emitError(broke, c, categorize(broke, 'unhandled'))
  }

  #respond(c: Context): void {
    if (this.#closing !== undefined && !c.res.sent) c.res.headers.connection = 'close'
    try {
      respond(c, this)
    } catch (thrown) {
      this.respondFailed(c, toError(thrown))
    }
  }

  /** Writing the response threw (an invalid header set on `c.res.headers` directly): log and answer 500. @internal */
  respondFailed(c: Context, err: Error): void {
    c.log.error({ err, code: 'ERR_RESPOND_FAILED', url: c.req.url }, `Could not write the response: ${err.message}`)
    this.#events.emitError(err, c, 'respond')
    const res = c.raw.res
    if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8', 'content-length': 22 })
    if (!res.writableEnded) res.end('Internal Server Error\n')
    this.finished(c)
  }

  /**
   * Called by `respond` when a streamed body failed before its first byte: nothing was sent, so the error
   * goes through `onError` (category `stream`) and its answer is written instead. @internal
   */
  failedEarly(c: Context, err: Error): void {
    c.res.sent = false
    c.res.body = null
    const out = this.#fail(err, c, 'unhandled', 'stream')
    if (out !== undefined) out.then(() => this.#respond(c))
    else this.#respond(c)
  }

  /** Called by `respond` when a response is written (or a stream failed). @internal */
  finished(c: Context, err?: Error): void {
    if (--this.#inflight === 0 && this.#drained !== undefined) this.#drained()
    if (err === undefined) return
    const code = (err as { code?: string }).code
    // A client that went away is routine, not an app error; `respond` tells it apart from a failed source.
    if (code === 'ERR_CLIENT_GONE') {
      c.log.debug({ err, url: c.req.url }, 'client closed the connection during a streamed response')
    } else {
      c.log.error({ err, code: 'ERR_STREAM_FAILED', url: c.req.url }, `Streamed response failed: ${err.message}`)
      this.#events.emitError(err, c, 'stream')
    }
  }
}

const DEFAULT_LEVEL = { debug: 'debug', release: 'info', test: 'error' } as const

/** `PORT` from the environment (`0` picks a free port), else 3000; a value that is not a port throws. */
function portFromEnv(): number {
  const v = process.env.PORT
  if (v === undefined || v.trim() === '') return 3000
  const n = Number(v)
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new TypeError(`PORT must be a port number from 0 to 65535 (0 picks a free one), got ${JSON.stringify(v)}`)
  return n
}

/** How many Host fields the request has (RFC 9112 §3.2: an HTTP/1.1 request needs exactly one). */
function hostCount(raw: string[]): number {
  let n = 0
  for (let i = 0; i < raw.length; i += 2) {
    const h = raw[i]!
    // `host` in any case, without making a lower-cased copy per header.
    if (h.length === 4 && (h.charCodeAt(0) | 0x20) === 0x68 && (h.charCodeAt(1) | 0x20) === 0x6f && (h.charCodeAt(2) | 0x20) === 0x73 && (h.charCodeAt(3) | 0x20) === 0x74) n++
  }
  return n
}

/**
 * Creates an application.
 *
 * @example
 * import { createApp } from 'weir'
 * const app = createApp({ trustProxy: 1 })
 * app.get('/users/:id', (c) => c.json({ id: c.params.id }))
 * await app.listen({ port: 3000 })
 */
export function createApp(options?: AppOptions): App {
  return new App(options)
}
