/** Prometheus metrics (prom-client): a latency histogram by method, route and status, an in-flight gauge, an endpoint. */
import type { Registry } from 'prom-client'
import type { Context } from '../../core/context.js'
import type { Middleware } from '../../core/types.js'
import { requireOptional } from '../../utils/optional.js'
import { countBody, onFinished } from '../stats/measure.js'

/** Options of {@link metrics}. */
export interface MetricsOptions {
  /** Path answered with the metrics (GET/HEAD), in Prometheus text format; `false` to serve them yourself. Default `/metrics`. */
  path?: string | false
  /** The registry. Default: a new one per `metrics()` call (prom-client's global one collides across apps). */
  registry?: Registry
  /** Prefix of every metric name. Default `''`. */
  prefix?: string
  /** Histogram buckets, seconds. Default `[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]`. */
  buckets?: number[]
  /** Also collect prom-client's process metrics (CPU, memory, event-loop lag, GC). Default `true`. */
  defaultMetrics?: boolean
  /** Requests not measured (the scrapes themselves always are not). Default: none. */
  skip?: (c: Context) => boolean
}

/** Label of requests no route matched: one series, not one per probed URL. */
export const UNMATCHED = '(unmatched)'

/**
 * Measures every request — `http_request_duration_seconds{method,route,status}` (histogram, the route
 * pattern, never the raw path) and `http_requests_in_flight` (gauge) — and answers `GET /metrics`.
 * The metrics of a registry are readable with `metrics.registry` too.
 * Needs the optional package `prom-client` (`npm install prom-client`); without it this throws `ERR_MISSING_DEPENDENCY`.
 *
 * @example
 * app.use(metrics())                       // curl localhost:3000/metrics
 * app.use(metrics({ path: false, registry }))  // serve `await registry.metrics()` behind auth yourself
 */
export function metrics(options: MetricsOptions = {}): Middleware & { registry: Registry } {
  const path = options.path ?? '/metrics'
  if (path !== false && (typeof path !== 'string' || !path.startsWith('/'))) throw new TypeError(`metrics(): path must start with / or be false, got ${JSON.stringify(path)}`)
  const { skip } = options
  if (skip !== undefined && typeof skip !== 'function') throw new TypeError('metrics(): skip must be a function')
  const buckets = options.buckets ?? [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
  if (!Array.isArray(buckets) || buckets.length === 0 || buckets.some((b) => !(b > 0))) throw new TypeError('metrics(): buckets must be positive numbers of seconds')
  // prom-client is an optional peer: loaded here, so `weir/metrics` and `recommended()` work without it.
  const { Gauge, Histogram, Registry, collectDefaultMetrics } = requireOptional<typeof import('prom-client')>('prom-client', 'metrics()')
  const registry = options.registry ?? new Registry()
  const prefix = options.prefix ?? ''
  const duration = new Histogram({
    name: `${prefix}http_request_duration_seconds`,
    help: 'Time from the request to the end of its response, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets,
    registers: [registry],
  })
  const inflight = new Gauge({ name: `${prefix}http_requests_in_flight`, help: 'Requests being handled', registers: [registry] })
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix })
  const mw = async function metrics(c: Context, next: () => Promise<void> | void) {
    if (path !== false && c.req.path === path && (c.req.method === 'GET' || c.req.method === 'HEAD')) return serve(c, registry)
    if (skip?.(c)) return next()
    inflight.inc()
    onFinished(c, (f) => {
      inflight.dec()
      duration.observe({ method: c.req.method, route: c.route ?? UNMATCHED, status: f.status }, f.latency / 1000)
    })
    try {
      await next()
    } finally {
      countBody(c)
    }
  }
  return Object.assign(mw, { registry })
}

async function serve(c: Context, registry: Registry): Promise<void> {
  const text = await registry.metrics()
  c.header('cache-control', 'no-store')
  c.body(text)
  c.res.headers['content-type'] = registry.contentType
}
