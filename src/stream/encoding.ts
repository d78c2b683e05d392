/** The meeting point of a body and its content coding: layers that want the plain body see it before an encoder changes it. */

const HOOK: unique symbol = Symbol.for('weir.beforeEncoding') as never

type Hook = (body: unknown) => unknown
type Holder = object & { [HOOK]?: Hook }

/**
 * Asks to see this request's response body before a content coding is applied, wherever the asking layer
 * sits relative to the encoder: `fn` gets the plain body and returns it, or a stream wrapping it (a
 * pass-through that copies what flows). Call it before `await next()`. Hooks registered later (layers
 * nearer the handler) run first. The encoder calls {@link beforeEncoding}; if no encoder runs, nothing is
 * called, and the body after `next()` is plain anyway.
 *
 * @example
 * onBeforeEncoding(c, (body) => (isStream(body) ? tapped(body) : (keep(body), body)))
 * await next()
 */
export function onBeforeEncoding<B>(c: object, fn: (body: B) => B): void {
  const h = c as Holder
  const inner = fn as Hook
  const outer = h[HOOK]
  h[HOOK] = outer === undefined ? inner : (body) => outer(inner(body))
}

/**
 * For an encoder (compression): hands the plain body to the layers that asked to see it, and returns the
 * body to encode (the same one, or their wrapper). Call it once, right before encoding; free when nobody
 * asked (one property read).
 *
 * @example
 * const source = beforeEncoding(c, c.res.body)
 * c.res.body = pipeline(toReadable(source), createGzip(), () => {})
 */
export function beforeEncoding<B>(c: object, body: B): B {
  const hook = (c as Holder)[HOOK]
  return hook === undefined ? body : (hook(body) as B)
}
