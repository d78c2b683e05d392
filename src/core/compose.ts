/** The onion: composes a route's middleware and handler, once, when the route is registered. */
import { HttpError } from '../errors.js'
import type { Context } from './context.js'
import type { Middleware, Next } from './types.js'

/** A composed chain: runs every function of a route for one context. */
export type Composed = (c: Context) => Promise<void> | void

const END: Next = () => undefined

/**
 * Composes middleware into one function (koa-compose's contract, without its per-call array copy).
 * The last function is the handler: a value it returns (sync or async) becomes the response body.
 * A second `next()` from the same layer throws; a layer that does not call `next()` ends the chain.
 * Synchronous layers stay synchronous, so a chain of sync functions allocates no promise.
 */
export function compose(fns: ReadonlyArray<Middleware>): Composed {
  const last = fns.length - 1
  if (last < 0) return () => undefined
  const handler = fns[last]!
  const layers = fns.slice(0, last)

  function runHandler(c: Context): Promise<void> | void {
    const out = handler(c, END)
    // `(c) => c.json(…)` returns the context itself: nothing more to set.
    if (out === undefined || out === c) return
    if (out instanceof Promise) return out.then((v) => void (v !== undefined && c.send(v)))
    c.send(out)
  }

  function dispatch(c: Context, i: number): Promise<void> | void {
    if (i === last) return runHandler(c)
    let called = false
    return layers[i]!(c, () => {
      if (called) throw nextTwice(layers[i]!)
      called = true
      return dispatch(c, i + 1)
    }) as Promise<void> | void
  }

  return last === 0 ? runHandler : (c) => dispatch(c, 0)
}

function nextTwice(fn: Middleware): HttpError {
  return new HttpError(500, `next() called twice by middleware ${fn.name || '(anonymous)'}`, {
    code: 'ERR_NEXT_CALLED_TWICE',
  })
}
