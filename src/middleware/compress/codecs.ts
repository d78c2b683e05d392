/** The Compressor interface and the built-in codecs over node:zlib: br, zstd (when Node has it), gzip, deflate. */
import type { Duplex } from 'node:stream'
import * as zlib from 'node:zlib'

/**
 * One content coding. Implement it to plug in a codec Node lacks (snappy, zstd from npm on Node 20).
 *
 * @example
 * import snappy from 'snappyjs'
 * const snappyCodec: Compressor = { encoding: 'x-snappy', compress: (data) => snappy.compress(data) }
 * app.use(compress({ encodings: [snappyCodec, 'gzip'] }))
 */
export interface Compressor {
  /** The content-coding token, sent as `Content-Encoding` and matched against `Accept-Encoding`. */
  readonly encoding: string
  /** Compresses a whole body. `busy` asks for the cheaper level (adaptive mode, event loop busy). */
  compress(data: Uint8Array, busy: boolean): Uint8Array | Promise<Uint8Array>
  /**
   * A transform for stream bodies. `flush`: emit compressed output after every source chunk (SSE).
   * Without it, stream bodies are sent with the next coding the client accepts.
   */
  stream?(options: { busy: boolean; flush: boolean }): Duplex
  /**
   * Pushes out what a `stream()` transform holds so far, without ending it (zlib's `Z_SYNC_FLUSH`).
   * compress calls it when a stream body's source has nothing more to give for now, so a live stream
   * reaches the client as it is produced. Without it, such a stream leaves the codec only when its
   * buffers fill (or per chunk with `flush: true`).
   */
  flush?(stream: Duplex): void
}

/** Levels of a built-in codec. */
export interface LevelOptions {
  /** The level used normally. Defaults: br 4, zstd 3, gzip 6, deflate 6. */
  level?: number
  /** The level used when adaptive mode finds the event loop busy. Defaults: br 1, zstd 1, gzip 1, deflate 1. */
  busyLevel?: number
}

type Callback = (err: Error | null, out: Buffer) => void
interface ZlibCodec {
  readonly name: string
  readonly range: readonly [number, number]
  readonly defaults: readonly [number, number]
  options(level: number): zlib.ZlibOptions | zlib.BrotliOptions
  readonly flush: zlib.ZlibOptions | zlib.BrotliOptions
  sync(data: Uint8Array, o: object): Buffer
  async(data: Uint8Array, o: object, cb: Callback): void
  create(o: object): Duplex
}

interface ZstdZlib {
  zstdCompressSync(data: Uint8Array, o: object): Buffer
  zstdCompress(data: Uint8Array, o: object, cb: Callback): void
  createZstdCompress(o: object): Duplex
}

const z = zlib as unknown as Partial<ZstdZlib> & typeof zlib
const C = zlib.constants as typeof zlib.constants & Record<string, number>

/**
 * Whether the running Node has zstd in node:zlib (22.15+).
 *
 * @example
 * const encodings = zstdAvailable ? ['br', 'zstd', 'gzip'] : ['br', 'gzip']
 */
export const zstdAvailable = typeof z.createZstdCompress === 'function'

/**
 * Below this size a body is compressed synchronously: zlib's async API costs a thread-pool round trip
 * (~0.2 ms measured here, more than gzip 6 on 16 KB of JSON), which only pays once the work is long
 * enough (~0.5 ms at 64 KB) to be worth taking off the event loop and overlapping with other requests.
 *
 * @example
 * const out = body.byteLength < SYNC_BELOW ? zlib.gzipSync(body) : await gzipAsync(body)
 */
export const SYNC_BELOW = 64 * 1024

const GZIP: ZlibCodec = {
  name: 'gzip',
  range: [0, 9],
  defaults: [6, 1],
  options: (level) => ({ level }),
  flush: { flush: zlib.constants.Z_SYNC_FLUSH },
  sync: (d, o) => zlib.gzipSync(d, o),
  async: (d, o, cb) => zlib.gzip(d, o, cb),
  create: (o) => zlib.createGzip(o),
}

const DEFLATE: ZlibCodec = {
  ...GZIP,
  name: 'deflate',
  sync: (d, o) => zlib.deflateSync(d, o),
  async: (d, o, cb) => zlib.deflate(d, o, cb),
  create: (o) => zlib.createDeflate(o),
}

const BROTLI: ZlibCodec = {
  name: 'br',
  range: [0, 11],
  defaults: [4, 1],
  options: (level) => ({ params: { [zlib.constants.BROTLI_PARAM_QUALITY]: level } }),
  flush: { flush: zlib.constants.BROTLI_OPERATION_FLUSH },
  sync: (d, o) => zlib.brotliCompressSync(d, o),
  async: (d, o, cb) => zlib.brotliCompress(d, o, cb),
  create: (o) => zlib.createBrotliCompress(o),
}

const ZSTD: ZlibCodec = {
  name: 'zstd',
  range: [1, 22],
  defaults: [3, 1],
  options: (level) => ({ params: { [C.ZSTD_c_compressionLevel as number]: level } }),
  flush: { flush: C.ZSTD_e_flush },
  sync: (d, o) => z.zstdCompressSync!(d, o),
  async: (d, o, cb) => z.zstdCompress!(d, o, cb),
  create: (o) => z.createZstdCompress!(o),
}

function build(codec: ZlibCodec, options: LevelOptions = {}): Compressor {
  const level = checkLevel(codec, 'level', options.level ?? codec.defaults[0])
  const busyLevel = checkLevel(codec, 'busyLevel', options.busyLevel ?? codec.defaults[1])
  const normal = codec.options(level)
  const busy = codec.options(busyLevel)
  const kind = codec.flush.flush as number
  return {
    encoding: codec.name,
    compress(data, isBusy) {
      const o = isBusy ? busy : normal
      if (data.byteLength < SYNC_BELOW) return codec.sync(data, o)
      return new Promise((resolve, reject) => codec.async(data, o, (err, out) => (err ? reject(err) : resolve(out))))
    },
    stream: ({ busy: isBusy, flush }) => codec.create(flush ? { ...(isBusy ? busy : normal), ...codec.flush } : isBusy ? busy : normal),
    // zlib's flush() without a kind is a full flush (Z_FULL_FLUSH), which also forgets the match window.
    flush: (s) => (s as unknown as zlib.Zlib).flush(kind),
  }
}

function checkLevel(codec: ZlibCodec, name: string, v: number): number {
  const [lo, hi] = codec.range
  if (!Number.isInteger(v) || v < lo || v > hi) throw new TypeError(`compress: ${codec.name} ${name} must be an integer from ${lo} to ${hi}, got ${v}`)
  return v
}

/**
 * gzip (RFC 1952). Level 6 by default (zlib's own default), 1 when busy.
 *
 * @example
 * app.use(compress({ encodings: [brotli(), gzip({ level: 4 })] }))
 */
export function gzip(options?: LevelOptions): Compressor {
  return build(GZIP, options)
}

/**
 * deflate: the zlib format (RFC 1950), as the `deflate` content coding means. Level 6 by default, 1 when busy.
 *
 * @example
 * app.use(compress({ encodings: ['gzip', deflate({ level: 5 })] }))
 */
export function deflate(options?: LevelOptions): Compressor {
  return build(DEFLATE, options)
}

/**
 * Brotli (`br`, RFC 7932). Quality 4 by default: about gzip 6's CPU for a better ratio on dynamic
 * content (quality 11, zlib's default, is ~150 ms per 100 KB). 1 when busy.
 *
 * @example
 * app.use(compress({ encodings: [brotli({ level: 5, busyLevel: 2 }), 'gzip'] }))
 */
export function brotli(options?: LevelOptions): Compressor {
  return build(BROTLI, options)
}

/**
 * Zstandard (`zstd`, RFC 8878) from node:zlib, Node 22.15+ only: throws a `TypeError` elsewhere (plug a
 * {@link Compressor} from npm instead). Level 3 by default, 1 when busy.
 *
 * @example
 * app.use(compress({ encodings: zstdAvailable ? [zstd(), 'br', 'gzip'] : ['br', 'gzip'] }))
 */
export function zstd(options?: LevelOptions): Compressor {
  if (!zstdAvailable) throw new TypeError(`compress: zstd needs Node 22.15+ (this is ${process.version}); plug in a Compressor instead`)
  return build(ZSTD, options)
}

/**
 * The built-in codecs by content-coding token.
 *
 * @example
 * const codec = BUILT_IN.gzip!({ level: 4 })
 */
export const BUILT_IN: Readonly<Record<string, (options?: LevelOptions) => Compressor>> = { br: brotli, zstd, gzip, deflate }
