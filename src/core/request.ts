/** The request side of a context: lazy, read-only views over Node's IncomingMessage. */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http'
import { parseCookies } from '../utils/cookie.js'
import { clientIp, type TrustProxy } from '../utils/proxy.js'

/** Settings a request needs from its app. */
export interface RequestSettings {
  readonly trustProxy: TrustProxy
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
    if (res.writableFinished) return ac.signal
    if (res.destroyed) ac.abort(clientGone())
    else res.once('close', () => !res.writableFinished && ac.abort(clientGone()))
    return ac.signal
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
