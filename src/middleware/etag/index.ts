/** ETag: a validator hashed from the buffered 2xx body of a GET or HEAD (elton's NewETag). */
import { Readable } from 'node:stream'
import type { Context } from '../../core/context.js'
import { toReadable } from '../../core/respond.js'
import type { Middleware, ResponseBody } from '../../core/types.js'
import { wantsFlush } from '../../stream/flush.js'
import { quickHash } from '../../utils/hash.js'

export { hash as sha1, quickHash } from '../../utils/hash.js'

/** Options of {@link etag}. */
export interface ETagOptions {
  /** Send weak validators, `W/"…"` (RFC 9110 §8.8.1). Default `false`. */
  weak?: boolean
  /** Also tag stream bodies, by buffering them up to `maxStreamSize`. Default `false`. */
  stream?: boolean
  /** Largest stream buffered for hashing, bytes; a longer one is sent on untagged. Default `1_048_576`. */
  maxStreamSize?: number
  /**
   * The opaque tag of a body (without quotes). Default: its byte length and CRC-32 (`quickHash`, fast; the
   * way `@fastify/etag` uses a 32-bit FNV-1a). Pass `sha1` from `weir/etag` for SHA-1 (27 base64url characters).
   */
  hash?: (body: string | Uint8Array) => string
  /** Leave this request alone. */
  skip?: (c: Context) => boolean
}

type StreamBody = Exclude<ResponseBody, string | Uint8Array | null>

/**
 * Sets `ETag` on 2xx (but 206) responses to GET and HEAD whose body is a string or bytes, unless the
 * handler set one. It does not answer conditional requests: `fresh()` does, placed before it.
 *
 * @example
 * import { etag } from 'weir/etag'
 * import { fresh } from 'weir/fresh'
 * app.use(fresh(), etag())                    // 304 for a matching If-None-Match
 */
export function etag(options: ETagOptions = {}): Middleware {
  const weak = options.weak ?? false
  const stream = options.stream ?? false
  const max = options.maxStreamSize ?? 1_048_576
  const hash = options.hash === undefined ? quickHash : checked(options.hash)
  const skip = options.skip
  if (!Number.isInteger(max) || max < 0) throw new TypeError(`etag: maxStreamSize must be a non-negative integer, got ${max}`)
  const prefix = weak ? 'W/"' : '"'
  const tag = (c: Context): Promise<void> | undefined => {
    const res = c.res
    const method = c.req.method
    if (res.sent || res.bypass || (method !== 'GET' && method !== 'HEAD')) return
    if (res.status < 200 || res.status > 299 || res.status === 206 || res.body === null || res.has('etag')) return
    const body = res.body
    if (typeof body === 'string' || body instanceof Uint8Array) {
      res.headers.etag = `${prefix}${hash(body)}"`
      return
    }
    // Never buffer a body that wants each chunk sent as produced (SSE): it may never end.
    if (!stream || method === 'HEAD' || wantsFlush(body)) return
    return buffer(body, max).then((read) => {
      res.body = read
      if (read instanceof Uint8Array) res.headers.etag = `${prefix}${hash(read)}"`
    })
  }
  // Not an async function: after a synchronous chain (a handler returning a value) the tag is set with no
  // promise and no await, which is most of this middleware's own cost.
  return function etag(c, next) {
    if (skip?.(c)) return next()
    const out: unknown = next()
    // A layer below may return anything (`return c.json(…)` gives the context): only a promise is awaited.
    return out instanceof Promise ? out.then(() => tag(c)) : tag(c)
  }
}

// RFC 9110 §8.8.3: etagc = %x21 / %x23-7E / obs-text.
function checked(hash: (body: string | Uint8Array) => string): (body: string | Uint8Array) => string {
  if (typeof hash !== 'function') throw new TypeError('etag: hash must be a function (body) => string')
  return (body) => {
    const tag = hash(body)
    if (typeof tag !== 'string' || !/^[\x21\x23-\x7e\x80-\xff]*$/.test(tag)) throw new TypeError(`etag: hash returned ${JSON.stringify(tag)}, not an opaque tag`)
    return tag
  }
}

/** Reads a stream body whole if it fits in `max` bytes; otherwise a stream of what was read and the rest. */
async function buffer(body: StreamBody, max: number): Promise<Uint8Array | Readable> {
  const it = toReadable(body)[Symbol.asyncIterator]()
  const chunks: Buffer[] = []
  let size = 0
  for (;;) {
    const r = await it.next()
    if (r.done) return Buffer.concat(chunks, size)
    const chunk = typeof r.value === 'string' ? Buffer.from(r.value) : Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength)
    chunks.push(chunk)
    size += chunk.byteLength
    if (size > max) return Readable.from(resume(chunks, it), { objectMode: false })
  }
}

async function* resume(head: Buffer[], it: AsyncIterator<Uint8Array | string>): AsyncGenerator<Uint8Array | string> {
  yield* head
  // `yield*` forwards return(): a client that leaves stops the source too.
  yield* { [Symbol.asyncIterator]: () => it }
}
