/** Recover (elton's `NewRecover`): any error thrown downstream becomes an answer — RFC 9457 problem JSON or text. */
import type { Context } from '../../core/context.js'
import { categorize } from '../../core/events.js'
import { prefersJson, toError } from '../../core/fail.js'
import type { Middleware } from '../../core/types.js'
import { HttpError, STATUS_TEXT } from '../../errors.js'

/** Options of {@link recover}. */
export interface RecoverOptions {
  /** JSON shape: `'problem'` (default) — RFC 9457 `application/problem+json`; `'plain'` — weir's `{ status, code, message, details }`. */
  format?: 'problem' | 'plain'
  /** Problem `type` as this prefix plus the code (`https://errors.example.com/` → `…/ERR_NOT_FOUND`). Default `about:blank`. */
  typeBase?: string
  /** Put the stack in the answer. Default: debug mode, for 5xx only. Never for an unexposed error in release mode. */
  stack?: boolean
  /** Requests passed through untouched (errors then reach the app's `onError`). Default: none. */
  skip?: (c: Context) => boolean
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

const PROBLEM_TYPE = 'application/problem+json'
const BODY_HEADERS = ['content-type', 'content-length', 'content-encoding', 'content-range', 'etag', 'last-modified']

/**
 * Turns any error thrown downstream, sync or async, into a response: an `HttpError` keeps its status,
 * code, headers and details; anything else is 500 `ERR_INTERNAL`, its message and stack hidden in release
 * mode. JSON (problem+json by default) when the client accepts JSON, text otherwise. Every error is logged
 * (5xx at `error`, 4xx at `debug`) and reported to `app.onEvent('error')`: category `recover` for a
 * non-HTTP error (a bug), else `http`/`body`/`validation`/`timeout`.
 *
 * @example
 * app.use(requestId(), logger(), recover())
 * app.onEvent('error', (err, c, category) => category === 'recover' && alert(err))
 */
export function recover(options: RecoverOptions = {}): Middleware {
  const format = options.format ?? 'problem'
  if (format !== 'problem' && format !== 'plain') throw new TypeError(`recover(): format must be 'problem' or 'plain', got ${JSON.stringify(format)}`)
  if (options.typeBase !== undefined && (typeof options.typeBase !== 'string' || options.typeBase === '')) {
    throw new TypeError('recover(): typeBase must be a non-empty string (a URI prefix)')
  }
  const { skip } = options
  if (skip !== undefined && typeof skip !== 'function') throw new TypeError('recover(): skip must be a function')
  return async function recover(c, next) {
    if (skip?.(c)) return next()
    try {
      await next()
    } catch (thrown) {
      handle(c, toError(thrown), format, options)
    }
  }
}

function handle(c: Context, err: Error, format: 'problem' | 'plain', options: RecoverOptions): void {
  const http = err instanceof HttpError ? err : undefined
  const status = http?.status ?? 500
  const fields = { err, code: http?.code ?? 'ERR_INTERNAL', method: c.req.method, url: c.req.url }
  if (status >= 500) c.log.error(fields, err.message)
  else c.log.debug(fields, err.message)
  c.report(err, categorize(err, http ? 'http' : 'recover'))
  const res = c.raw.res
  if (res.headersSent || c.res.sent) {
    // Part of the answer is on the wire: it cannot become an error response; cut it so the client knows.
    if (!res.writableEnded) res.destroy(err)
    return
  }
  c.res.bypass = false
  answer(c, err, http, format, options)
}

function answer(c: Context, err: Error, http: HttpError | undefined, format: 'problem' | 'plain', options: RecoverOptions): void {
  const status = http?.status ?? 500
  const code = http?.code ?? 'ERR_INTERNAL'
  const exposed = http?.expose === true
  const message = exposed || c.mode !== 'release' ? err.message : undefined
  const showStack = (options.stack ?? (c.mode === 'debug' && status >= 500)) && (exposed || c.mode !== 'release')
  const stack = showStack ? err.stack : undefined
  for (const h of BODY_HEADERS) delete c.res.headers[h]
  if (http?.headers) for (const [k, v] of Object.entries(http.headers)) c.res.set(k, v)
  c.status(status)
  if (!prefersJson(c.req.header('accept'))) {
    c.text(`${status} ${code}: ${message ?? STATUS_TEXT[status] ?? 'Error'}${stack ? `\n\n${stack}` : ''}\n`)
  } else if (format === 'plain') {
    c.json({ status, code, message: message ?? STATUS_TEXT[status], details: http?.details, stack })
  } else {
    c.json(problem(c, status, code, message, http?.details, stack, options.typeBase))
    c.res.headers['content-type'] = PROBLEM_TYPE
  }
}

function problem(c: Context, status: number, code: string, detail: string | undefined, details: unknown, stack: string | undefined, typeBase?: string): Problem {
  // RFC 9457 §4.2.1: with the default type about:blank, the title is the status's reason phrase.
  const p: Problem = {
    type: typeBase === undefined ? 'about:blank' : `${typeBase}${code}`,
    title: STATUS_TEXT[status] ?? `HTTP ${status}`,
    status,
    instance: c.req.path,
    code,
  }
  if (detail !== undefined && detail !== p.title) p.detail = detail
  if (details !== undefined) p.details = details
  if (c.requestId !== undefined) p.requestId = c.requestId
  if (stack !== undefined) p.stack = stack
  return p
}
