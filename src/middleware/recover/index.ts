/** Recover (elton's `NewRecover`): any error thrown downstream becomes an answer — the app's `onError`, else the app's error format. */
import type { Context } from '../../core/context.js'
import { type ErrorAnswerOptions, checkErrorFormat, recordError, toError } from '../../core/fail.js'
import type { Middleware } from '../../core/types.js'

/** Options of {@link recover}. The first three shape weir's own answer: an app with an `onError` hook answers with it instead. */
export interface RecoverOptions {
  /** JSON shape of its answers. Default: the app's (`createApp({ errors: { format } })`), so every error answer of the app looks alike. */
  format?: 'problem' | 'plain'
  /** Problem `type` as this prefix plus the code. Default: the app's `errors.typeBase`, else `about:blank`. */
  typeBase?: string
  /** Put the stack in the answer. Default: debug mode, for 5xx only. Never for an unexposed error in release mode. */
  stack?: boolean
  /** Requests passed through untouched (errors then reach the app, category `unhandled` for a bug). Default: none. */
  skip?: (c: Context) => boolean
}

export type { Problem } from '../../core/fail.js'

/**
 * Turns any error thrown downstream, sync or async, into a response, so the layers above it (the access
 * log, stats) see an answer. The app's `onError` hook makes that answer when the app has one; otherwise an
 * `HttpError` keeps its status, code, headers and details and anything else is 500 `ERR_INTERNAL`, its
 * message and stack hidden in release mode — JSON in the app's error format (`createApp({ errors })`) when
 * the client accepts JSON, text otherwise. Every error is logged once, after its answer is made (at `error`,
 * or `debug` when it is the client's: a 4xx, or an error the hook answered with a 4xx) and reported to
 * `app.onEvent('error')`: category `recover` for a bug, else `http`/`body`/`validation`/`timeout`.
 *
 * @example
 * app.use(requestId(), logger(), recover())
 * app.onError((err, c) => c.json({ error: err.message }, err instanceof HttpError ? err.status : 500))
 * app.onEvent('error', (err, c, category) => category === 'recover' && alert(err))
 */
export function recover(options: RecoverOptions = {}): Middleware {
  if (options.format !== undefined || options.typeBase !== undefined) checkErrorFormat(options, 'recover()')
  const answer: ErrorAnswerOptions = { format: options.format, typeBase: options.typeBase, stack: options.stack }
  const { skip } = options
  if (skip !== undefined && typeof skip !== 'function') throw new TypeError('recover(): skip must be a function')
  // Not an async function: when everything below answers synchronously, so does recover (no promise, no
  // microtask turn per request); a promise from below gets one rejection handler.
  return function recover(c, next) {
    if (skip?.(c)) return next()
    let out: Promise<void> | void
    try {
      out = next()
    } catch (thrown) {
      return handle(c, toError(thrown), answer)
    }
    if (out != null && typeof out.then === 'function') return out.then(undefined, (thrown: unknown) => handle(c, toError(thrown), answer))
  }
}

function handle(c: Context, err: Error, answer: ErrorAnswerOptions): Promise<void> | void {
  const res = c.raw.res
  if (res.headersSent || c.res.sent) {
    // Part of the answer is on the wire: it cannot become an error response; cut it so the client knows.
    recordError(c, err, 'recover')
    if (!res.writableEnded) res.destroy(err)
    return
  }
  c.res.bypass = false
  return c.answerError(err, 'recover', answer)
}
