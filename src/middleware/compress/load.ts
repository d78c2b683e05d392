/** Adaptive levels: is the event loop busy? Sampled lazily from `performance.eventLoopUtilization()`. */
import { type EventLoopUtilization, performance } from 'node:perf_hooks'
import type { AdaptiveOptions } from './index.js'

const never = (): boolean => false

/**
 * A `busy()` probe for the adaptive option: `false` always when off; otherwise whether the load is at or
 * above the threshold. The default load is the event-loop utilisation over the last `interval`, measured
 * on the first call after it elapsed (no timer).
 *
 * @example
 * const busy = busyProbe({ threshold: 0.5, load: () => 0.9 })
 * busy() // true
 */
export function busyProbe(adaptive: boolean | AdaptiveOptions | undefined): () => boolean {
  if (adaptive === undefined || adaptive === false) return never
  const o = adaptive === true ? {} : adaptive
  if (typeof o !== 'object' || o === null) throw new TypeError('compress: adaptive must be a boolean or { threshold, interval, load }')
  const threshold = o.threshold ?? 0.8
  if (!(threshold > 0 && threshold <= 1)) throw new TypeError(`compress: adaptive.threshold must be in (0, 1], got ${threshold}`)
  const interval = o.interval ?? 500
  if (!(interval > 0)) throw new TypeError(`compress: adaptive.interval must be a positive number of ms, got ${interval}`)
  if (o.load !== undefined && typeof o.load !== 'function') throw new TypeError('compress: adaptive.load must be a function returning 0–1')
  const load = o.load ?? eventLoopLoad(interval)
  return () => load() >= threshold
}

/**
 * Event-loop utilisation (0–1) over the last completed `interval` ms, re-measured lazily.
 *
 * @example
 * const load = eventLoopLoad(500)
 * if (load() > 0.9) shed()
 */
export function eventLoopLoad(interval: number): () => number {
  let last: EventLoopUtilization = performance.eventLoopUtilization()
  let at = performance.now()
  let value = 0
  return () => {
    const now = performance.now()
    if (now - at >= interval) {
      const cur = performance.eventLoopUtilization()
      value = performance.eventLoopUtilization(cur, last).utilization
      last = cur
      at = now
    }
    return value
  }
}
