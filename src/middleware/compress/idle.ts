/** Flushing a compressor when its source goes idle: live streams arrive as produced, bulk ones in big blocks. */
import { type Duplex, Transform, type TransformCallback } from 'node:stream'

/**
 * Sits between a stream body and its compressor `z`. After a chunk has passed, it looks again once the
 * event loop has run its I/O (`setImmediate`): if the source has given nothing more and `z` is not
 * holding it back, the source is idle — a log tail between lines, a generator awaiting — and `flush(z)`
 * pushes out what the compressor holds. A source that keeps producing (a file, a fast generator) keeps
 * `z` busy, so it is not flushed while it does: one check per turn at most, and none while `z` needs a
 * `drain` (compressor or client are the bottleneck; more input is already waiting).
 *
 * @example
 * const z = codec.stream({ busy, flush: false })
 * res.body = pipeline(toReadable(body), new IdleFlush(z, (s) => codec.flush(s)), z, () => {})
 */
export class IdleFlush extends Transform {
  readonly #z: Duplex
  readonly #flush: (z: Duplex) => void
  #scheduled = false
  #fresh = false

  constructor(z: Duplex, flush: (z: Duplex) => void) {
    super()
    this.#z = z
    this.#flush = flush
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.#fresh = true
    cb(null, chunk)
    if (!this.#scheduled) {
      this.#scheduled = true
      setImmediate(this.#check)
    }
  }

  readonly #check = (): void => {
    this.#scheduled = false
    const z = this.#z
    if (!this.#fresh || this.destroyed || z.destroyed || z.writableEnded) return
    if (z.writableNeedDrain) {
      // Held back, not idle: look again once z has taken what it has (the source resumes on that drain).
      this.#scheduled = true
      z.once('drain', () => setImmediate(this.#check))
      return
    }
    this.#fresh = false
    this.#flush(z)
  }
}
