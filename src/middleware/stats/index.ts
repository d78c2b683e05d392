/** Per-request statistics (elton's `NewStats`): one callback per request with what really went out. */
import type { Context } from '../../core/context.js'
import type { Middleware } from '../../core/types.js'
import { sizeHuman } from '../../utils/human.js'
import { type Finished, countBody, onFinished } from './measure.js'

export type { Finished, OnFinished } from './measure.js'
export { countBody, onFinished } from './measure.js'

/** What `stats()` reports for one request. */
export interface StatsInfo {
  /** Client address (honours `trustProxy`). */
  ip: string
  method: string
  /** Matched route pattern (`/users/:id`), `''` when no route matched (404, 405). */
  route: string
  /** The request target, path and query, as received. */
  uri: string
  /** Final status as written; `499` when the client left before the head was sent. */
  status: number
  /** Requests in flight through this middleware when this one started, itself included (elton's "connecting"). */
  connecting: number
  /** Milliseconds until the last byte was handed to the socket (streams included). */
  latency: number
  /** Request body size from `Content-Length` (0 when absent: chunked bodies are not counted). */
  requestSize: number
  /** Response body bytes actually written. */
  size: number
  /** `size` for humans: `1.5KB`. */
  sizeHuman: string
  /** The connection closed before the response finished. */
  aborted: boolean
  /** `c.requestId`, when `requestId()` runs before. */
  requestId: string | undefined
}

/** Options of {@link stats}. */
export interface StatsOptions {
  /** Receives each request's {@link StatsInfo} once its response has ended. Required. An exception is logged, not thrown. */
  onStats: (info: StatsInfo, c: Context) => void
  /** Requests to leave out (health probes, say). Default: none. */
  skip?: (c: Context) => boolean
}

/**
 * Reports every request once its response has really ended — final status (after `recover()` or the app's
 * error answer), bytes written (streams counted), latency, in-flight count. Place it before `recover()`.
 *
 * @example
 * app.use(stats({ onStats: (s) => log.info({ category: 'accessLog', ...s }) }))
 */
export function stats(options: StatsOptions): Middleware {
  if (typeof options?.onStats !== 'function') throw new TypeError('stats() needs an onStats(info, c) function')
  const { onStats, skip } = options
  if (skip !== undefined && typeof skip !== 'function') throw new TypeError('stats(): skip must be a function')
  let inflight = 0
  return async function stats(c, next) {
    if (skip?.(c)) return next()
    const connecting = ++inflight
    onFinished(c, (f) => {
      inflight--
      onStats(info(c, f, connecting), c)
    })
    try {
      await next()
    } finally {
      countBody(c)
    }
  }
}

function info(c: Context, f: Finished, connecting: number): StatsInfo {
  return {
    ip: c.req.ip,
    method: c.req.method,
    route: c.route ?? '',
    uri: c.req.url,
    status: f.status,
    connecting,
    latency: f.latency,
    requestSize: Number(c.req.header('content-length')) || 0,
    size: f.bytes,
    sizeHuman: sizeHuman(f.bytes),
    aborted: f.aborted,
    requestId: c.requestId,
  }
}
