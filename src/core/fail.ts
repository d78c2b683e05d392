/** Turns an error into a response on the context: status, headers and a body in the app's error format. */
import { HttpError, STATUS_TEXT } from '../errors.js'
import type { Context } from './context.js'
import { type ErrorCategory, categorize } from './events.js'

/**
 * How an app answers errors (`createApp({ errors })`): every error answer of the app uses it — the core's
 * 404 and 405, a thrown error, `recover()`, a request the parser refused.
 *
 * @example
 * createApp({ errors: { format: 'problem', typeBase: 'https://errors.example.com/' } })
 */
export interface ErrorFormat {
  /**
   * `'plain'` (default): `{ status, code, message, details?, requestId? }` as `application/json`; `'problem'`: RFC 9457
   * problem details (`{ type, title, status, detail?, instance, code, details?, requestId? }`) as
   * `application/problem+json`. Clients that do not accept JSON get `<status> <code>: <message>` as text.
   */
  format?: 'plain' | 'problem'
  /** Problem `type`: this prefix plus the code (`https://errors.example.com/` → `…/ERR_NOT_FOUND`). Default `about:blank`. */
  typeBase?: string
}

/** The RFC 9457 problem details body, with weir's `code` and, when known, the request id. */
export interface Problem {
  type: string
  title: string
  status: number
  detail?: string
  instance: string
  code: string
  details?: unknown
  requestId?: string
  stack?: string
}

/** What a middleware answering errors itself (`recover()`) may change for its answers. */
export interface ErrorAnswerOptions extends ErrorFormat {
  /** Put the stack in the answer. Default: debug mode, for 5xx only. Never for an unexposed error in release mode. */
  stack?: boolean
}

/** Checks an `ErrorFormat` once, when the app (or a middleware) is made; a bad value throws `TypeError`. */
export function checkErrorFormat(f: ErrorFormat | undefined, where: string): Required<Pick<ErrorFormat, 'format'>> & ErrorFormat {
  const format = f?.format ?? 'plain'
  if (format !== 'plain' && format !== 'problem') throw new TypeError(`${where}: format must be 'plain' or 'problem', got ${JSON.stringify(format)}`)
  const typeBase = f?.typeBase
  if (typeBase !== undefined && (typeof typeBase !== 'string' || typeBase === '')) throw new TypeError(`${where}: typeBase must be a non-empty string (a URI prefix)`)
  return { format, typeBase }
}

/** Normalises anything thrown into an Error (a thrown string or object becomes an `Error`'s message). */
export function toError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown
  return new Error(typeof thrown === 'string' ? thrown : `Non-error thrown: ${safeString(thrown)}`)
}

/** The HttpError view of an error: its own status and code, or a 500 with `ERR_INTERNAL`. */
export function toHttpError(err: Error): HttpError {
  if (err instanceof HttpError) return err
  return new HttpError(500, err.message, { code: 'ERR_INTERNAL', expose: false, cause: err })
}

/**
 * Whether an error is the client's fault rather than the app's: its own status is 4xx, or — an error with
 * none, or a 5xx — the answer made for it is a 4xx (the app's `onError` mapped it, say a database's
 * unique-constraint error to 422). An error answered with anything else (500, or a redirect hiding it) is the app's.
 */
export function isClientError(err: Error, answered: number): boolean {
  const own = (err as { status?: unknown }).status
  if (typeof own === 'number' && own >= 400 && own < 500) return true
  return answered >= 400 && answered < 500
}

/**
 * Logs an error once and reports it to the app's error listeners, after its answer was made (`c.res.status`
 * is the answer's status). The client's errors ({@link isClientError}) are logged at `debug` and reported
 * with their category or `http`; any other error is logged at `error` with its stack and reported with its
 * category, `http` for an `HttpError`, else `bug` (`unhandled`, `recover`). `category` wins over all that.
 */
export function recordError(c: Context, err: Error, bug: ErrorCategory, category?: ErrorCategory): void {
  const client = isClientError(err, c.res.status)
  const http = err instanceof HttpError
  const fields = { err, code: http ? err.code : client ? undefined : 'ERR_INTERNAL', method: c.req.method, url: c.req.url }
  if (client) c.log.debug(fields, err.message)
  else c.log.error(fields, err.message)
  c.report(err, category ?? categorize(err, http || client ? 'http' : bug))
}

const PROBLEM_TYPE = 'application/problem+json'
const BODY_HEADERS = ['content-type', 'content-length', 'content-encoding', 'content-range', 'etag', 'last-modified']

/**
 * Replaces the response with an error response in the app's format (`options` may override it). Body
 * headers of the failed response are dropped; the error's own headers (`Allow`, `Retry-After`) are set.
 * An internal error's message is hidden in release mode; in debug mode a 5xx shows its stack.
 */
export function sendError(c: Context, err: Error, options?: ErrorAnswerOptions): void {
  const http = toHttpError(err)
  const res = c.res
  for (const h of BODY_HEADERS) delete res.headers[h]
  if (http.headers) for (const [k, v] of Object.entries(http.headers)) res.set(k, v)
  const visible = http.expose || c.mode !== 'release'
  const message = visible ? http.message : (STATUS_TEXT[http.status] ?? 'Error')
  const cause = http.cause instanceof Error ? http.cause : http
  const showStack = (options?.stack ?? (c.mode === 'debug' && http.status >= 500)) && visible
  const stack = showStack ? cause.stack : undefined
  c.status(http.status)
  if (!prefersJson(c.req.header('accept'))) {
    c.text(`${http.status} ${http.code}: ${message}${stack ? `\n\n${stack}` : ''}\n`)
    return
  }
  const f = options?.format ?? c.errorFormat.format
  if (f === 'plain') {
    c.json({ status: http.status, code: http.code, message, details: http.details, requestId: c.requestId, stack })
    return
  }
  const typeBase = options?.typeBase ?? c.errorFormat.typeBase
  c.json(problem(c, http, visible ? http.message : undefined, typeBase, stack))
  res.headers['content-type'] = PROBLEM_TYPE
}

function problem(c: Context, http: HttpError, detail: string | undefined, typeBase: string | undefined, stack: string | undefined): Problem {
  // RFC 9457 §4.2.1: with the default type about:blank, the title is the status's reason phrase.
  const p: Problem = {
    type: typeBase === undefined ? 'about:blank' : `${typeBase}${http.code}`,
    title: STATUS_TEXT[http.status] ?? `HTTP ${http.status}`,
    status: http.status,
    instance: c.req.path,
    code: http.code,
  }
  if (detail !== undefined && detail !== p.title) p.detail = detail
  if (http.details !== undefined) p.details = http.details
  if (c.requestId !== undefined) p.requestId = c.requestId
  if (stack !== undefined) p.stack = stack
  return p
}

/** The body and content type of an error answered outside any context (a request the parser refused). */
export function errorBody(status: number, code: string, message: string, f: ErrorFormat): { type: string; body: string } {
  if (f.format !== 'problem') return { type: 'application/json', body: JSON.stringify({ status, code, message }) }
  const title = STATUS_TEXT[status] ?? `HTTP ${status}`
  const p = { type: f.typeBase === undefined ? 'about:blank' : `${f.typeBase}${code}`, title, status, code, ...(message !== title ? { detail: message } : {}) }
  return { type: PROBLEM_TYPE, body: JSON.stringify(p) }
}

/** JSON unless the client asks for text or HTML without mentioning JSON (curl's `*\/*` gets JSON). */
export function prefersJson(accept: string | undefined): boolean {
  if (!accept || accept.includes('json') || accept.startsWith('*/*')) return true
  return !(accept.includes('text/') || accept.includes('html'))
}

function safeString(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v)
  } catch {
    return String(v)
  }
}
