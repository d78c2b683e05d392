/** Recover (elton's `NewRecover`): any error thrown downstream becomes an answer in the app's error format. */
import type { Context } from '../../core/context.js'
import { categorize } from '../../core/events.js'
import { type ErrorAnswerOptions, checkErrorFormat, sendError, toError } from '../../core/fail.js'
import type { Middleware } from '../../core/types.js'
import { HttpError } from '../../errors.js'

/** Options of {@link recover}. */
export interface RecoverOptions {
  /** JSON shape of its answers. Default: the app's (`createApp({ errors: { format } })`), so every error answer of the app looks alike. */
  format?: 'problem' | 'plain'
  /** Problem `type` as this prefix plus the code. Default: the app's `errors.typeBase`, else `about:blank`. */
  typeBase?: string
  /** Put the stack in the answer. Default: debug mode, for 5xx only. Never for an unexposed error in release mode. */
  stack?: boolean
  /** Requests passed through untouched (errors then reach the app's `onError`). Default: none. */
  skip?: (c: Context) => boolean
}

export type { Problem } from '../../core/fail.js'

/**
 * Turns any error thrown downstream, sync or async, into a response: an `HttpError` keeps its status,
 * code, headers and details; anything else is 500 `ERR_INTERNAL`, its message and stack hidden in release
 * mode. JSON in the app's error format (`createApp({ errors })`) when the client accepts JSON, text otherwise. Every error is logged
 * (5xx at `error`, 4xx at `debug`) and reported to `app.onEvent('error')`: category `recover` for a
 * non-HTTP error (a bug), else `http`/`body`/`validation`/`timeout`.
 *
 * @example
 * app.use(requestId(), logger(), recover())
 * app.onEvent('error', (err, c, category) => category === 'recover' && alert(err))
 */
export function recover(options: RecoverOptions = {}): Middleware {
  if (options.format !== undefined || options.typeBase !== undefined) checkErrorFormat(options, 'recover()')
  const answer: ErrorAnswerOptions = { format: options.format, typeBase: options.typeBase, stack: options.stack }
  const { skip } = options
  if (skip !== undefined && typeof skip !== 'function') throw new TypeError('recover(): skip must be a function')
  return async function recover(c, next) {
    if (skip?.(c)) return next()
    try {
      await next()
    } catch (thrown) {
      handle(c, toError(thrown), answer)
    }
  }
}

function handle(c: Context, err: Error, answer: ErrorAnswerOptions): void {
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
  sendError(c, err, answer)
}
