/** The response body as sent, before any compression: kept by reference when buffered, tapped when streamed. */
import { Transform, type TransformCallback, pipeline } from 'node:stream'
import type { Context } from '../../core/context.js'
import { toReadable } from '../../core/respond.js'
import type { ResponseBody } from '../../core/types.js'
import { onBeforeEncoding } from '../../stream/encoding.js'
import { markFlush, wantsFlush } from '../../stream/flush.js'

/** Where the body goes: the inspector's entry. */
export interface BodySink {
  /** A buffered body, by reference (cut when the response has ended). */
  resBody: string | Uint8Array | undefined
  /** Bytes a stream sent so far. */
  resSize: number
  streamed: boolean
  /** The first bytes of a stream. */
  chunks: Uint8Array[] | undefined
  resTruncated: boolean
}

/**
 * Watches `c`'s response body for `sink`: call before `await next()`, and the function it returns after.
 * An encoder inside (`compress()`) hands over the plain body (src/stream/encoding.ts); otherwise the
 * body is taken when the chain returns. A buffered body costs nothing (a reference); a stream goes
 * through a pass-through that counts every byte and copies the first `max`.
 *
 * @example
 * const end = watchBody(c, entry, 65536)
 * await next()
 * end()
 */
export function watchBody(c: Context, sink: BodySink, max: number): () => void {
  let taken = false
  const take = (body: ResponseBody): ResponseBody => {
    if (taken) return body
    taken = true
    if (body === null || typeof body === 'string' || body instanceof Uint8Array) {
      sink.resBody = body ?? undefined
      return body
    }
    sink.streamed = true
    const tap = new Tap(sink, max)
    if (wantsFlush(body)) markFlush(tap)
    return pipeline(toReadable(body), tap, () => {})
  }
  onBeforeEncoding(c, take)
  return () => {
    if (taken) return
    const body = c.res.body
    const out = take(body)
    if (out !== body) c.res.body = out
  }
}

/** The first `max` bytes or characters of a body, in memory of their own (a cut never pins the whole body). */
export function head(body: string | Uint8Array, max: number): string | Uint8Array {
  if (body.length <= max) return body
  // A string slice may share the original's memory: copy the cut into bytes.
  if (typeof body === 'string') return Buffer.from(body.slice(0, max))
  return Uint8Array.prototype.slice.call(body, 0, max)
}

/** A stream's copied bytes as one array. */
export function joined(chunks: Uint8Array[]): Uint8Array {
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)
}

/** A pass-through that counts every chunk and copies the first `max` bytes. */
class Tap extends Transform {
  readonly #sink: BodySink
  readonly #max: number
  #copied = 0

  constructor(sink: BodySink, max: number) {
    super()
    this.#sink = sink
    this.#max = max
    sink.chunks = []
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    const s = this.#sink
    s.resSize += chunk.length
    const room = this.#max - this.#copied
    if (room > 0 && chunk.length > 0) {
      // A copy: the source may reuse its buffers.
      s.chunks!.push(Uint8Array.prototype.slice.call(chunk, 0, Math.min(room, chunk.length)))
      this.#copied += Math.min(room, chunk.length)
    }
    if (s.resSize > this.#copied) s.resTruncated = true
    cb(null, chunk)
  }
}
