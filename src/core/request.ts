/** The request side of a context: lazy, read-only views over Node's IncomingMessage. */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http'
import type { Readable } from 'node:stream'
import type { FormRecord } from '../body/form.js'
import type { ProtoAction } from '../body/json.js'
import type { MultipartBody, MultipartOptions } from '../body/multipart.js'
import { BodyReader } from '../body/reader.js'
import { type BodyOptions, type BodySettings, DEFAULT_BODY } from '../body/settings.js'
import { mimeType } from '../stream/mime.js'
import { negotiate } from '../utils/accepts.js'
import { parseCookies } from '../utils/cookie.js'
import { clientIp, type TrustProxy } from '../utils/proxy.js'
import { writtenWhole } from './http2.js'
import { type Upgrade, upgradeOf } from './upgrade.js'

/** Settings a request needs from its app. */
export interface RequestSettings {
  readonly trustProxy: TrustProxy
  /** How bodies are read: the app's `limits` (default 1 MiB), decoders, JSON policy. */
  readonly body?: BodySettings
}

/**
 * The incoming request. Everything is computed on first use and kept.
 *
 * @example
 * app.get('/search', (c) => ({ q: c.req.query.q, ua: c.req.header('user-agent'), ip: c.req.ip }))
 */
export class WeirRequest {
  /** Node's request: the escape hatch. Reading its body directly bypasses weir's body reader. */
  readonly raw: IncomingMessage
  /** Upper-case method as received. */
  readonly method: string
  /** The request target as received: path and query, still percent-encoded. */
  readonly url: string
  /** The path without the query, still percent-encoded. */
  readonly path: string
  readonly #res: ServerResponse
  readonly #settings: RequestSettings
  #query: Record<string, string> | undefined
  #search: URLSearchParams | undefined
  #cookies: Record<string, string> | undefined
  #abort: AbortController | undefined
  #body: BodyReader | undefined

  constructor(raw: IncomingMessage, res: ServerResponse, settings: RequestSettings) {
    this.raw = raw
    this.#res = res
    this.#settings = settings
    this.method = raw.method ?? 'GET'
    const url = raw.url ?? '/'
    this.url = url.charCodeAt(0) === 47 /* / */ ? url : originForm(url)
    const q = this.url.indexOf('?')
    this.path = q === -1 ? this.url : this.url.slice(0, q)
  }

  /**
   * For a request that asked to switch protocols (`Upgrade: websocket`) on a server made by `listen` (or
   * with `app.upgradeHandler()`): its raw socket and head, for a WebSocket library to take over (then set
   * `c.res.bypass = true`). `undefined` for ordinary requests. `weir/ws` does this for you.
   */
  get upgrade(): Upgrade | undefined {
    return upgradeOf(this.raw)
  }

  /** The query string without `?`, or `''`. */
  get search(): string {
    const q = this.url.indexOf('?')
    return q === -1 ? '' : this.url.slice(q + 1)
  }

  /** Query parameters, first value of each name (null prototype: `__proto__` is just a name). */
  get query(): Readonly<Record<string, string>> {
    if (this.#query !== undefined) return this.#query
    const out: Record<string, string> = Object.create(null)
    for (const [k, v] of this.#params()) if (!(k in out)) out[k] = v
    this.#query = out
    return out
  }

  /**
   * Every value of a query parameter, in order.
   *
   * @example
   * c.req.queries('tag') // ?tag=a&tag=b → ['a', 'b']
   */
  queries(name: string): string[] {
    return this.#params().getAll(name)
  }

  #params(): URLSearchParams {
    this.#search ??= new URLSearchParams(this.search)
    return this.#search
  }

  /** A request header by case-insensitive name; repeated headers are joined by Node's rules. */
  header(name: string): string | undefined {
    const v = this.raw.headers[name.toLowerCase()]
    return Array.isArray(v) ? v.join(', ') : v
  }

  /** All request headers, names in lower case (Node's object). */
  get headers(): IncomingHttpHeaders {
    return this.raw.headers
  }

  /** The client address: the socket's, or from `X-Forwarded-For` as far as `trustProxy` allows. */
  get ip(): string {
    return clientIp(this.raw, this.#settings.trustProxy)
  }

  /** `https` when the connection is TLS, or a trusted proxy says so in `X-Forwarded-Proto`. */
  get protocol(): 'http' | 'https' {
    if (this.#trusted()) {
      const p = this.header('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase()
      if (p === 'https' || p === 'http') return p
    }
    return (this.raw.socket as { encrypted?: boolean } | undefined)?.encrypted ? 'https' : 'http'
  }

  /** The host (with port), from `X-Forwarded-Host` when a trusted proxy sent it, else `Host`. */
  get host(): string {
    const fwd = this.#trusted() ? this.header('x-forwarded-host')?.split(',')[0]?.trim() : undefined
    return fwd || this.raw.headers.host || ''
  }

  /** Request cookies by name (null prototype; first occurrence wins; values percent-decoded). */
  get cookies(): Readonly<Record<string, string>> {
    this.#cookies ??= parseCookies(this.raw.headers.cookie)
    return this.#cookies
  }

  /** Fires when the client goes away before the response has finished. */
  get signal(): AbortSignal {
    if (this.#abort !== undefined) return this.#abort.signal
    const ac = new AbortController()
    this.#abort = ac
    const res = this.#res
    if (writtenWhole(res)) return ac.signal
    if (res.destroyed) ac.abort(clientGone())
    else res.once('close', () => !writtenWhole(res) && ac.abort(clientGone()))
    return ac.signal
  }

  /**
   * Aborts `signal` with `reason` (first reason wins), so a handler that will not be answered can stop.
   * The `timeout` middleware uses it.
   *
   * @example
   * setTimeout(() => c.req.abort(new Error('too slow')), 1000)
   */
  abort(reason?: unknown): void {
    this.#abort ??= new AbortController()
    this.#abort.abort(reason)
  }

  /**
   * The body as bytes, read from the socket once (decoded, within the body limit) and kept: later calls,
   * from any middleware or the handler, get the same bytes (treat them as read-only). See docs/body.md.
   *
   * @example
   * const raw = await c.req.bytes() // check a signature; the handler can still `await c.req.json()`
   */
  bytes(): Promise<Uint8Array> {
    return this.#reader().bytes()
  }

  /**
   * The body as text, in the charset of `Content-Type` (UTF-8 when absent; unknown charset → 415).
   *
   * @example
   * const csv = await c.req.text()
   */
  text(): Promise<string> {
    return this.#reader().text()
  }

  /**
   * The body parsed as JSON, whatever the `Content-Type`; cached, so every caller gets the same value.
   * Invalid JSON is 400 `ERR_BODY_INVALID_JSON` (position in the message) and leaves the bytes readable;
   * nesting past `limits.jsonDepth` (64) is 400; `__proto__` keys are 400 unless `protoAction` says otherwise.
   *
   * @example
   * const { name } = await c.req.json<{ name: string }>()
   */
  json<T = unknown>(options?: { protoAction?: ProtoAction }): Promise<T> {
    return this.#reader().json(options?.protoAction) as Promise<T>
  }

  /**
   * The body parsed as `application/x-www-form-urlencoded`: null-prototype records, repeated names as
   * arrays, `a[b]` keys nested (within `limits.fields` and `limits.formDepth`). Cached.
   *
   * @example
   * const { email } = await c.req.form()
   */
  form(): Promise<FormRecord> {
    return this.#reader().form()
  }

  /**
   * The body parsed as `multipart/form-data`. Without options, files are read into memory (within the
   * limits) and the result is cached; with `onFile`, each file streams to it as it arrives.
   *
   * @example
   * const { fields, files } = await c.req.multipart({
   *   onFile: async (f) => { await pipeline(f.stream, createWriteStream(tmpPath())); return f.filename },
   * })
   */
  multipart<T = Uint8Array>(options?: MultipartOptions<T>): Promise<MultipartBody<T>> {
    return this.#reader().multipart(options)
  }

  /**
   * The body as a stream. Called before any other read, it streams from the socket (decoded, limited) for
   * large uploads, and the body is consumed: a later read throws 500 `ERR_BODY_CONSUMED`. Called after
   * one, it streams the kept bytes.
   *
   * @example
   * await pipeline(c.req.stream(), createWriteStream('/tmp/upload'))
   */
  stream(): Readable {
    return this.#reader().stream()
  }

  /**
   * The body by its `Content-Type`: JSON, a form record, `{ fields, files }`, text for `text/*`, bytes
   * otherwise, or what a parser set with `configureBody({ parsers })` returns; `undefined` when empty. Cached.
   *
   * @example
   * const body = await c.req.parse()
   */
  parse(): Promise<unknown> {
    return this.#reader().parse(this)
  }

  /**
   * Sets how this request's body is read (limits, decoders, parsers, JSON proto policy), over the app's.
   * Call it before the body is read: a lower limit still refuses a body read already, a higher one
   * cannot take back a refusal.
   *
   * @example
   * app.post('/upload', (c, next) => { c.req.configureBody({ limits: { body: 50 * MiB } }); return next() }, upload)
   */
  configureBody(options: BodyOptions): this {
    this.#reader().configure(options)
    return this
  }

  #reader(): BodyReader {
    this.#body ??= new BodyReader(this.raw, this.#res, this.#settings.body ?? DEFAULT_BODY)
    return this.#body
  }

  /**
   * Which of `types` the client prefers by its `Accept` header (RFC 9110 §12.5.1), or `undefined` when it
   * accepts none. A type is a media type (`application/json`) or a short name (`json`, `html`, `text`,
   * `xml`, `csv`, `png`, …); the one given is returned. No `Accept` accepts anything: the first wins.
   *
   * @example
   * switch (c.req.accepts('html', 'json')) {
   *   case 'html': return c.html(page)
   *   case 'json': return c.json(data)
   *   default: c.throw(406)
   * }
   */
  accepts<T extends string>(...types: T[]): T | undefined {
    const offers = types.map((t) => (t.includes('/') ? t : (mimeType(t) ?? `application/${t}`)))
    const i = negotiate(this.header('accept'), offers)
    return i === -1 ? undefined : types[i]
  }

  /** Whether the proxy in front is trusted to say where the request came from. */
  #trusted(): boolean {
    const t = this.#settings.trustProxy
    return t !== false && t !== 0
  }
}

function clientGone(): Error {
  return Object.assign(new Error('The client closed the connection before the response finished'), {
    code: 'ERR_CLIENT_GONE',
  })
}

// RFC 9112 §3.2.2: absolute-form targets are accepted; weir routes on their path and query.
function originForm(url: string): string {
  if (url === '*') return '*'
  try {
    const u = new URL(url)
    return u.pathname + u.search
  } catch {
    return '/'
  }
}
