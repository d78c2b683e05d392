/** Response compression negotiated by Accept-Encoding: br, zstd, gzip, deflate or your own codec (elton's NewCompress). */
import { pipeline } from 'node:stream'
import type { Context } from '../../core/context.js'
import { stop, toReadable } from '../../core/respond.js'
import type { WeirResponse } from '../../core/response.js'
import type { Middleware } from '../../core/types.js'
import { createError } from '../../errors.js'
import { beforeEncoding } from '../../stream/encoding.js'
import { markFlush, wantsFlush } from '../../stream/flush.js'
import { BUILT_IN, type Compressor, zstdAvailable } from './codecs.js'
import { IdleFlush } from './idle.js'
import { busyProbe } from './load.js'
import { negotiator } from './negotiate.js'

export { brotli, deflate, gzip, zstd, zstdAvailable, type Compressor, type LevelOptions } from './codecs.js'
export { negotiate, parseAcceptEncoding, type Choice } from './negotiate.js'

/**
 * Compressible media types by default; woff/woff2 are compressed already.
 *
 * @example
 * app.use(compress({ filter: (type) => COMPRESSIBLE.test(type) || type === 'application/x-ndjson' }))
 */
export const COMPRESSIBLE = /text|javascript|json|wasm|font(?![-/]woff)|xml|svg/i

/** Adaptive levels: use each codec's `busyLevel` while the event loop is busy. */
export interface AdaptiveOptions {
  /** Event-loop utilisation (0–1) from which the busy levels are used. Default `0.8`. */
  threshold?: number
  /** How often utilisation is re-measured, ms. Default `500`. */
  interval?: number
  /** The load source, 0–1. Default: `performance.eventLoopUtilization()` over the last `interval`. */
  load?: () => number
}

/** Options of {@link compress}. */
export interface CompressOptions {
  /**
   * Codings in order of preference (ties in `Accept-Encoding` weights go to the first): names of built-ins
   * or {@link Compressor}s. Default `['br', 'zstd', 'gzip', 'deflate']`, `zstd` only where Node has it.
   */
  encodings?: ReadonlyArray<'br' | 'zstd' | 'gzip' | 'deflate' | Compressor>
  /** Smallest body compressed, bytes (a stream counts only if it has a `Content-Length`). Default `1024`. */
  threshold?: number
  /** Which `Content-Type`s to compress. Default {@link COMPRESSIBLE}. */
  filter?: RegExp | ((type: string, c: Context) => boolean)
  /**
   * Flush after every chunk of every stream body. Default `false`: `text/event-stream` bodies and bodies
   * marked `FLUSH` are flushed per chunk; other streams whenever their source has nothing more for now
   * (a live tail arrives line by line, a file or a fast generator in big compressed blocks).
   */
  flush?: boolean
  /** Lower the levels when the event loop is busy: `true` for the defaults. Default `false`. */
  adaptive?: boolean | AdaptiveOptions
  /** Leave this request alone. */
  skip?: (c: Context) => boolean
}

interface Resolved {
  readonly codecs: Map<string, Compressor>
  readonly buffered: (h: string | undefined) => { coding: string | undefined; identity: boolean }
  readonly streamed: (h: string | undefined) => { coding: string | undefined; identity: boolean }
  readonly threshold: number
  readonly filter: (type: string, c: Context) => boolean
  readonly flush: boolean
  readonly busy: () => boolean
}

/**
 * Compresses response bodies after the handler: buffered bodies at once (sync below 64 KB, zlib's thread
 * pool above), streams as they flow — flushed whenever the source pauses, so a live stream reaches the
 * client as it is produced (per chunk for SSE). Layers that asked to see the plain body (`capture()`, the
 * debug access log) get it first, wherever they sit (src/stream/encoding.ts). Sets `Content-Encoding`, `Vary:
 * Accept-Encoding`, recomputes `Content-Length` (dropped for streams) and makes a strong `ETag` weak.
 * Skips HEAD bodies (headers as for GET), 204/304, 206, bodies already encoded, `Cache-Control: no-transform`.
 * A client refusing identity (`identity;q=0`) with no coding we have gets 406 `ERR_COMPRESS_NOT_ACCEPTABLE`.
 * Use it first (outermost), before `fresh()` and `etag()`: see docs/middleware/compress.md.
 *
 * @example
 * import { compress } from 'weir/compress'
 * app.use(compress())                                        // br, (zstd), gzip, deflate; 1 KB threshold
 * app.use(compress({ encodings: ['gzip'], threshold: 512, adaptive: true }))
 */
export function compress(options: CompressOptions = {}): Middleware {
  const o = resolve(options)
  const skip = options.skip
  return async function compress(c, next) {
    if (skip?.(c)) return next()
    await next()
    const res = c.res
    if (res.sent || res.bypass) return
    if (res.status === 304) return notModified(c, o)
    if (res.body === null || res.status === 204 || res.status === 206 || res.status < 200) return
    if (encoded(res) || noTransform(res.get('cache-control'))) return
    const body = res.body
    const streamed = typeof body !== 'string' && !(body instanceof Uint8Array)
    const choice = (streamed ? o.streamed : o.buffered)(c.req.header('accept-encoding'))
    const type = contentType(res, typeof body === 'string')
    const wanted = type !== '' && o.filter(type, c)
    if (wanted || !choice.identity) res.vary('Accept-Encoding')
    // RFC 9110 §12.5.3: identity refused and nothing else acceptable → 406; refused identity overrides
    // the threshold and the type filter, which are about cost, not meaning.
    if (choice.coding === undefined) {
      if (choice.identity) return
      if (streamed) stop(body)
      throw createError('ERR_COMPRESS_NOT_ACCEPTABLE')
    }
    if (!wanted && choice.identity) return
    const codec = o.codecs.get(choice.coding)!
    if (streamed) compressStream(c, res, codec, choice.identity, o, type)
    else await compressBuffer(c, res, codec, choice.identity, o)
  }
}

async function compressBuffer(c: Context, res: WeirResponse, codec: Compressor, identity: boolean, o: Resolved): Promise<void> {
  const body = res.body as string | Uint8Array
  const size = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength
  if (identity && size < o.threshold) return
  beforeEncoding(c, body)
  const out = await codec.compress(typeof body === 'string' ? Buffer.from(body) : body, o.busy())
  res.body = out
  encode(res, codec.encoding)
}

function compressStream(c: Context, res: WeirResponse, codec: Compressor, identity: boolean, o: Resolved, type: string): void {
  const length = Number(res.get('content-length') ?? Number.NaN)
  if (identity && length < o.threshold) return
  const source = beforeEncoding(c, res.body as StreamBody)
  res.body = source
  encode(res, codec.encoding)
  // HEAD: the same headers as GET; respond stops the source unread, so do not start a compressor.
  if (c.req.method === 'HEAD') return
  // SSE and bodies marked with FLUSH (c.sse): every chunk leaves the compressor at once.
  const flush = o.flush || wantsFlush(source) || type.startsWith('text/event-stream')
  const z = codec.stream!({ busy: o.busy(), flush })
  const readable = toReadable(source)
  // Others leave it whenever the source pauses: a live tail line by line, bulk in big blocks.
  if (flush || codec.flush === undefined) res.body = pipeline(readable, z, () => {})
  else res.body = pipeline(readable, new IdleFlush(z, (s) => codec.flush!(s)), z, () => {})
  if (flush) markFlush(res.body)
}

type StreamBody = Exclude<WeirResponse['body'], string | Uint8Array | null>

/**
 * Sets the coding headers: Content-Length is recomputed by `respond` (buffered) or absent (streams);
 * Accept-Ranges goes (as nginx's gzip does), since ranges of this encoded body are not served.
 */
function encode(res: WeirResponse, coding: string): void {
  res.headers['content-encoding'] = coding
  delete res.headers['content-length']
  delete res.headers['accept-ranges']
  weakenETag(res)
}

// A 304 to a client that would get a compressed body carries the headers the 200 would (RFC 9110 §15.4.5).
// RFC 9110 §15.4.5: a 304 carries the Vary its 200 would have. Its type is gone, so the 200's choice cannot be
// replayed: vary always (harmless for a type never compressed), weaken only when a coding would be chosen.
function notModified(c: Context, o: Resolved): void {
  const res = c.res
  if (!res.has('etag')) return
  res.vary('Accept-Encoding')
  if (o.buffered(c.req.header('accept-encoding')).coding !== undefined) weakenETag(res)
}

// RFC 9110 §8.8.3.3: the compressed bytes differ from those the strong validator was computed on.
function weakenETag(res: WeirResponse): void {
  const tag = res.get('etag')
  if (typeof tag === 'string' && tag.startsWith('"')) res.headers.etag = `W/${tag}`
}

function encoded(res: WeirResponse): boolean {
  const ce = res.get('content-encoding')
  return ce !== undefined && String(ce).trim().toLowerCase() !== 'identity'
}

// RFC 9111 §5.2.2.6: no-transform forbids changing the content coding.
function noTransform(cc: unknown): boolean {
  return cc !== undefined && /(?:^|,)\s*no-transform\s*(?:,|$)/i.test(String(cc))
}

function contentType(res: WeirResponse, text: boolean): string {
  const t = res.get('content-type')
  if (t === undefined) return text ? 'text/plain' : ''
  return String(t).toLowerCase()
}


function resolve(options: CompressOptions): Resolved {
  const threshold = options.threshold ?? 1024
  if (!Number.isInteger(threshold) || threshold < 0) throw new TypeError(`compress: threshold must be a non-negative integer, got ${threshold}`)
  const codecs = new Map<string, Compressor>()
  const list = options.encodings ?? ['br', ...(zstdAvailable ? (['zstd'] as const) : []), 'gzip', 'deflate']
  if (!Array.isArray(list) || list.length === 0) throw new TypeError('compress: encodings must be a non-empty list')
  for (const e of list) {
    const codec = typeof e === 'string' ? BUILT_IN[e]?.() : e
    if (codec === undefined) throw new TypeError(`compress: unknown encoding ${JSON.stringify(e)}; use br, zstd, gzip, deflate or a Compressor`)
    if (typeof codec.encoding !== 'string' || typeof codec.compress !== 'function') throw new TypeError('compress: a Compressor needs an encoding and a compress function')
    codecs.set(codec.encoding.toLowerCase(), codec)
  }
  const names = [...codecs.keys()]
  const streamable = names.filter((n) => typeof codecs.get(n)!.stream === 'function')
  return {
    codecs,
    buffered: negotiator(names),
    streamed: negotiator(streamable),
    threshold,
    filter: toFilter(options.filter),
    flush: options.flush ?? false,
    busy: busyProbe(options.adaptive),
  }
}

function toFilter(f: CompressOptions['filter']): (type: string, c: Context) => boolean {
  if (f === undefined) return (type) => COMPRESSIBLE.test(type)
  if (f instanceof RegExp) {
    return (type) => {
      f.lastIndex = 0
      return f.test(type)
    }
  }
  if (typeof f === 'function') return f
  throw new TypeError('compress: filter must be a RegExp or a function (type, c) => boolean')
}
