/** Limits requests in flight, globally or per key, with an optional bounded queue (elton's limiters). */
import type { Context } from '../../core/context.js'
import type { Middleware } from '../../core/types.js'
import { createError } from '../../errors.js'

/** Options of {@link concurrency}. */
export interface ConcurrencyOptions {
  /** Requests in flight at once (per key with `key`). Required. */
  max: number
  /** Limit per key (client, user, tenant) instead of globally. Default: one global limit. */
  key?: (c: Context) => string
  /** Requests that may wait for a slot (per key with `key`). Default `0`: over the limit is refused at once. */
  queue?: number
  /** Longest wait for a slot, ms; then refused. Default `5_000`. */
  queueTimeout?: number
  /** Leave this request alone. */
  skip?: (c: Context) => boolean
}

type Waiter = (granted: boolean) => void

/** The slots of one limit: how many are taken, who waits. */
class Slots {
  active = 0
  readonly waiting: Waiter[] = []
}

/**
 * Holds a slot from before the handler until the response has finished — streamed bodies included, and
 * also when the handler throws — by listening for `close` on `c.raw.res`, and until the chain below has
 * settled (a handler still running after `timeout()` answered keeps its slot). Over the limit (and with a full
 * queue, or after `queueTimeout`): 503 `ERR_CONCURRENCY_LIMITED` globally, 429 `ERR_CONCURRENCY_KEY_LIMITED`
 * per key. A waiting request whose client leaves (or whose `c.req.signal` aborts) gives up its place.
 *
 * @example
 * import { concurrency } from 'weir/concurrency'
 * app.use(concurrency({ max: 100, queue: 50 }))                    // the whole app
 * api.use(concurrency({ max: 4, key: (c) => c.req.ip }))           // per client
 */
export function concurrency(options: ConcurrencyOptions): Middleware {
  const { max, key, queue = 0, queueTimeout = 5_000, skip } = options ?? ({} as ConcurrencyOptions)
  if (!Number.isInteger(max) || max < 1) throw new TypeError(`concurrency: max must be a positive integer, got ${max}`)
  if (!Number.isInteger(queue) || queue < 0) throw new TypeError(`concurrency: queue must be a non-negative integer, got ${queue}`)
  if (!(queueTimeout > 0)) throw new TypeError(`concurrency: queueTimeout must be a positive number of ms, got ${queueTimeout}`)
  if (key !== undefined && typeof key !== 'function') throw new TypeError('concurrency: key must be a function (c) => string')
  const global = new Slots()
  const byKey = new Map<string, Slots>()
  const code = key === undefined ? 'ERR_CONCURRENCY_LIMITED' : 'ERR_CONCURRENCY_KEY_LIMITED'

  const release = (slots: Slots, k: string | undefined): void => {
    const next = slots.waiting.shift()
    if (next !== undefined) return next(true) // the slot passes straight to the first waiter
    slots.active--
    if (k !== undefined && slots.active === 0) byKey.delete(k)
  }

  return async function concurrency(c, next) {
    if (skip?.(c)) return next()
    const k = key?.(c)
    let slots = global
    if (k !== undefined) {
      slots = byKey.get(k) ?? new Slots()
      byKey.set(k, slots)
    }
    if (slots.active < max) slots.active++
    else if (slots.waiting.length >= queue || !(await wait(slots, c, queueTimeout))) throw createError(code)
    // The slot is free once the response has finished (close) and the chain below has settled: a
    // streamed body keeps it to its end, a handler still running after timeout() answered keeps it too.
    const res = c.raw.res
    let pending = res.destroyed ? 1 : 2 // a response already closed sends no close event
    const done = () => --pending === 0 && release(slots, k)
    if (pending === 2) res.once('close', done)
    try {
      return await next()
    } finally {
      done()
    }
  }
}

/** Waits in the queue; `false` when the wait times out or the request is aborted. */
function wait(slots: Slots, c: Context, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const signal = c.req.signal
    const done: Waiter = (granted) => {
      clearTimeout(timer)
      signal.removeEventListener('abort', abort)
      resolve(granted)
    }
    const leave = () => {
      const i = slots.waiting.indexOf(done)
      if (i !== -1) slots.waiting.splice(i, 1)
      done(false)
    }
    const abort = () => leave()
    const timer = setTimeout(leave, ms)
    if (signal.aborted) return leave()
    signal.addEventListener('abort', abort, { once: true })
    slots.waiting.push(done)
  })
}
