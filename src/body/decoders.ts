/** Content-Encoding of request bodies: which codings are decoded, and the decoder chain for a request. */
import type { Transform } from 'node:stream'
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib'
import { createError } from '../errors.js'

/** Makes a fresh decoding stream for one request body. */
export type DecoderFactory = () => Transform

/**
 * Decoders by content coding (lower case). `false` refuses a coding (415); a factory adds one.
 *
 * @example
 * bodyParser({ decoders: { br: false, zstd: () => createZstdDecompress() } })
 */
export type Decoders = Readonly<Record<string, DecoderFactory | false>>

/** gzip (and its old alias x-gzip), deflate (zlib format, RFC 9110 §8.4.1.2) and br. */
export const DEFAULT_DECODERS: Decoders = Object.freeze({
  gzip: () => createGunzip(),
  'x-gzip': () => createGunzip(),
  deflate: () => createInflate(),
  br: () => createBrotliDecompress(),
})

/** More codings than this on one body is refused (each layer multiplies what a small body may expand to). */
const MAX_CODINGS = 2

/** Checks a decoders option: each value a function or `false`. Throws `TypeError`. */
export function resolveDecoders(extra: Decoders | undefined, base: Decoders = DEFAULT_DECODERS): Decoders {
  if (extra === undefined) return base
  if (typeof extra !== 'object' || extra === null) throw new TypeError('decoders must be an object of coding → factory | false')
  const out: Record<string, DecoderFactory | false> = { ...base }
  for (const [name, f] of Object.entries(extra)) {
    if (f !== false && typeof f !== 'function') throw new TypeError(`decoders.${name} must be a function returning a Transform, or false`)
    out[name.toLowerCase()] = f
  }
  return Object.freeze(out)
}

/**
 * The decoders for a `Content-Encoding` header, in the order to apply them (the reverse of the order the
 * codings were applied, RFC 9110 §8.4). `identity` and an absent header need none. A coding not in
 * `decoders`, or refused there, is 415 `ERR_BODY_UNSUPPORTED_ENCODING`.
 */
export function decodersFor(header: string | undefined, decoders: Decoders): DecoderFactory[] | undefined {
  if (header === undefined || header === '' || header === 'identity') return undefined
  const codings = header
    .toLowerCase()
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '' && s !== 'identity')
  if (codings.length === 0) return undefined
  if (codings.length > MAX_CODINGS) {
    throw createError('ERR_BODY_UNSUPPORTED_ENCODING', `At most ${MAX_CODINGS} content codings are decoded; got "${header}"`)
  }
  const out: DecoderFactory[] = []
  for (let i = codings.length - 1; i >= 0; i--) {
    const name = codings[i]!
    const f = Object.hasOwn(decoders, name) ? decoders[name] : undefined
    if (typeof f !== 'function') {
      throw createError('ERR_BODY_UNSUPPORTED_ENCODING', `The request body's Content-Encoding "${name}" is not supported here`, {
        headers: { 'accept-encoding': acceptable(decoders) },
      })
    }
    out.push(f)
  }
  return out
}

// RFC 9110 §12.5.3: a 415 for an unsupported coding may say which ones are accepted.
function acceptable(decoders: Decoders): string {
  const names = Object.keys(decoders).filter((k) => typeof decoders[k] === 'function')
  return names.length > 0 ? `${names.join(', ')}, identity` : 'identity'
}
