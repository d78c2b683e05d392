/** Answers 503 (or 504) when the handler is late, and aborts `c.req.signal` so it can stop. */
import type { Context } from '../../core/context.js'
import { stop } from '../../core/respond.js'
import type { Middleware, ResponseBody } from '../../core/types.js'
import { HttpError } from '../../errors.js'

const LATE = Symbol('late')

/** Options of {@link timeout}. */
export interface TimeoutOptions {
  /** The status of the answer: 503 (the server gave up on its own work) or 504. Default `503`. */
  status?: 503 | 504
  /** The message of the answer. Default: the catalogue's, with the limit. */
  message?: string
  /** Leave this request alone (uploads, long polls). */
  skip?: (c: Context) => boolean
}

/**
 * Races the rest of the chain against `ms`. When time runs out: aborts `c.req.signal` with the timeout
 * error (code `ERR_TIMEOUT`), stops a stream body already set, and throws 503 `ERR_TIMEOUT` (504 on
 * request), which the error handler answers at once. The late handler keeps running until it notices the
 * signal; whatever it writes after the answer has gone is ignored and logged (`ERR_RESPONSE_SENT`), and a
 * late error is logged at debug. It bounds the time to *build* a response — a stream body that has started
 * is not cut (the server's `requestTimeout` and the client cover that). Put it early: middleware outside
 * it run before the answer is written. A handler that took over `c.raw.res` is only signalled.
 *
 * @example
 * import { timeout } from 'weir/timeout'
 * app.use(timeout(5_000))
 * app.get('/report', async (c) => fetch(upstream, { signal: c.req.signal }))   // stops at 5 s
 */
export function timeout(ms: number, options: TimeoutOptions = {}): Middleware {
  if (!Number.isInteger(ms) || ms < 1 || ms > 2_147_483_647) throw new TypeError(`timeout: ms must be a positive integer below 2^31, got ${ms}`)
  const status = options.status ?? 503
  if (status !== 503 && status !== 504) throw new TypeError(`timeout: status must be 503 or 504, got ${status}`)
  const message = options.message ?? `The handler did not answer within ${ms} ms`
  const skip = options.skip
  return async function timeout(c, next) {
    if (skip?.(c)) return next()
    let work: Promise<unknown>
    try {
      work = Promise.resolve(next())
    } catch (err) {
      work = Promise.reject(err)
    }
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<typeof LATE>((resolve) => {
      timer = setTimeout(resolve, ms, LATE)
    })
    const first = await Promise.race([work, late]).finally(() => clearTimeout(timer))
    if (first !== LATE || c.res.sent) return
    const err = new HttpError(status, message, { code: 'ERR_TIMEOUT' })
    work.catch((e: unknown) => c.log.debug({ err: e, code: 'ERR_TIMEOUT' }, 'The handler failed after its timeout'))
    c.req.abort(err)
    const body: ResponseBody = c.res.body
    if (body !== null && typeof body === 'object' && !(body instanceof Uint8Array)) stop(body)
    if (c.res.bypass || c.raw.res.headersSent) return
    throw err
  }
}
