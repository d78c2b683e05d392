/** Caps the size of response bodies (elton's ResponseSizeLimiter): a guard against runaway handlers. */
import { Transform, type TransformCallback, pipeline } from 'node:stream'
import type { Context } from '../../core/context.js'
import { toReadable } from '../../core/respond.js'
import type { Middleware, ResponseBody } from '../../core/types.js'
import { createError } from '../../errors.js'
import { markFlush, wantsFlush } from '../../stream/flush.js'

/** Options of {@link responseSize}. */
export interface ResponseSizeOptions {
  /** Largest body, bytes, as the handler produced it (before compression when `compress()` is outside). Required. */
  max: number
  /** Leave this request alone (downloads). */
  skip?: (c: Context) => boolean
}

type StreamBody = Exclude<ResponseBody, string | Uint8Array | null>

/**
 * A buffered body (or a stream with a `Content-Length`) over `max` becomes a 500 `ERR_RESPONSE_TOO_LARGE`
 * before anything is sent. A stream of unknown length is counted as it flows and cut when it passes
 * `max`: the head is gone by then, so the client sees a truncated response and the failure is logged
 * (`ERR_STREAM_FAILED` with the cause `ERR_RESPONSE_TOO_LARGE`).
 *
 * @example
 * import { responseSize } from 'weir/response-size'
 * app.use(responseSize({ max: 5 * 1024 * 1024 }))
 */
export function responseSize(options: ResponseSizeOptions): Middleware {
  const max = options?.max
  if (!Number.isInteger(max) || max < 0) throw new TypeError(`responseSize: max must be a non-negative integer (bytes), got ${max}`)
  const skip = options.skip
  return async function responseSize(c, next) {
    if (skip?.(c)) return next()
    await next()
    const res = c.res
    const body = res.body
    if (res.sent || res.bypass || body === null) return
    if (typeof body === 'string' || body instanceof Uint8Array) {
      const size = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength
      if (size > max) throw tooLarge(size, max)
      return
    }
    const declared = Number(res.get('content-length'))
    if (declared > max) throw tooLarge(declared, max)
    if (c.req.method === 'HEAD' || res.status === 204 || res.status === 304) return
    const counted = pipeline(toReadable(body as StreamBody), counter(max), () => {})
    res.body = wantsFlush(body) ? markFlush(counted) : counted
  }
}

function tooLarge(size: number, max: number) {
  return createError('ERR_RESPONSE_TOO_LARGE', `The response body (${size} bytes) is larger than the limit of ${max} bytes`)
}

function counter(max: number): Transform {
  let seen = 0
  return new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
      seen += chunk.byteLength
      if (seen > max) return cb(tooLarge(seen, max))
      cb(null, chunk)
    },
  })
}
