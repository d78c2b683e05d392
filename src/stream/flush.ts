/** The flush hint: a body marked with it wants every chunk delivered at once (SSE, live logs). */

/**
 * The property a body carries (`body[FLUSH] === true`) when each of its chunks should reach the client as
 * soon as it is produced. `respond` then sends the head at once; a transforming middleware (compression)
 * must flush its output after every chunk of such a body; a middleware that wraps the body in another
 * stream (capture) copies the mark to its wrapper. `Symbol.for`, so copies of weir agree. Unmarked
 * streams are not held back either: `compress()` flushes whenever their source pauses.
 *
 * @example
 * if (wantsFlush(c.res.body)) gzip.flush()   // in a compression middleware, after each chunk
 */
export const FLUSH: unique symbol = Symbol.for('weir.flush') as never

/**
 * Marks a stream body so each chunk is flushed to the client on its own and the head is sent before the
 * first chunk; returns the body.
 *
 * @example
 * return markFlush(lines(tail).filter((l) => l.includes('ERROR')))
 */
export function markFlush<T extends object>(body: T): T {
  ;(body as { [FLUSH]?: boolean })[FLUSH] = true
  return body
}

/**
 * Whether a body asks for per-chunk flushing (see {@link FLUSH}).
 *
 * @example
 * wantsFlush(c.res.body) // true for c.sse(…) bodies
 */
export function wantsFlush(body: unknown): boolean {
  return typeof body === 'object' && body !== null && (body as { [FLUSH]?: boolean })[FLUSH] === true
}
