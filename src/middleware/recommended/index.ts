/** The recommended stack (elton's `recommended.go`): request id, access log, stats, metrics, recover — in this order. */
import type { Middleware } from '../../core/types.js'
import { type LoggerOptions, logger } from '../logger/index.js'
import { type MetricsOptions, metrics } from '../metrics/index.js'
import { type RecoverOptions, recover } from '../recover/index.js'
import { type RequestIdOptions, requestId } from '../request-id/index.js'
import { type StatsOptions, stats } from '../stats/index.js'

/** Options of {@link recommended}: each part's own options, or `false` to leave it out. */
export interface RecommendedOptions {
  /** Default on. */
  requestId?: RequestIdOptions | false
  /** Default on (JSON through `c.log`). */
  logger?: LoggerOptions | false
  /** Default off: on when given its options (it needs `onStats`). */
  stats?: StatsOptions | false
  /** Default off; `true` for `metrics()` defaults (`GET /metrics`). */
  metrics?: MetricsOptions | boolean
  /** Default on. */
  recover?: RecoverOptions | false
}

/**
 * The middleware every service wants, in an order that works. Each place has a reason:
 *
 * 1. `requestId` — first, so every later log line, error answer and metric sample can carry the id,
 *    and the `X-Request-Id` header is echoed on every response, errors included.
 * 2. `metrics` — before the access log, so scrapes of `/metrics` are answered without an access-log line.
 * 3. `logger` — outside `recover`, so the line shows the status actually sent; it writes when the response
 *    has ended (streams with their real size), so it also logs what the app's own error answer sent. In
 *    debug mode the line carries the request and response bodies; the response body is captured before
 *    any compression inside (`compress()` hands it over), so no `capture()` is needed. Release mode
 *    captures nothing.
 * 4. `stats` — same reason as the logger (elton: "before recover and the responder, to see the real status").
 * 5. `recover` — last of the stack, closest to the handlers: it turns their errors into answers before the
 *    layers above see them. Later layers go after it, inside its protection, in this order:
 *    timeout → body parser → compress → etag/fresh → routes.
 *
 * Returns the middleware in order, for `app.use(...recommended())`: the app composes them once with the
 * routes (a wrapper composing them per request would allocate a closure per layer per request).
 *
 * @example
 * const app = createApp({ logger: createLogger() })
 * app.use(...recommended({ metrics: true }))
 */
export function recommended(options: RecommendedOptions = {}): Middleware[] {
  const layers: Middleware[] = []
  if (options.requestId !== false) layers.push(requestId(options.requestId))
  if (options.metrics) layers.push(metrics(options.metrics === true ? {} : options.metrics))
  if (options.logger !== false) layers.push(logger(options.logger))
  if (options.stats) layers.push(stats(options.stats))
  if (options.recover !== false) layers.push(recover(options.recover))
  return layers
}
