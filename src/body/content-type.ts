/** The request's media type and charset, and bytes to text by that charset. */
import { createError } from '../errors.js'

/** A parsed `Content-Type`: the media type in lower case without parameters, and the charset if given. */
export interface MediaType {
  /** `application/json`, `multipart/form-data`, … or `''` when there is no `Content-Type`. */
  readonly type: string
  /** The `charset` parameter in lower case, or `undefined`. */
  readonly charset: string | undefined
}

const NONE: MediaType = Object.freeze({ type: '', charset: undefined })

// The last header parsed and its result (frozen, so it can be shared).
let lastHeader = ''
let lastType = NONE

/**
 * Parses a `Content-Type` header (RFC 9110 §8.3.1): `type/subtype; charset=utf-8`.
 *
 * @example
 * mediaType('Application/JSON; charset="UTF-8"') // { type: 'application/json', charset: 'utf-8' }
 */
export function mediaType(header: string | undefined): MediaType {
  if (!header) return NONE
  // An API sees the same few headers over and over: the last one parsed is kept.
  if (header === lastHeader) return lastType
  const semi = header.indexOf(';')
  const type = (semi === -1 ? header : header.slice(0, semi)).trim().toLowerCase()
  let charset: string | undefined
  if (semi !== -1) {
    const m = /;\s*charset\s*=\s*(?:"([^"]*)"|([^;\s]*))/i.exec(header)
    charset = m ? (m[1] ?? m[2] ?? '').toLowerCase() || undefined : undefined
  }
  lastHeader = header
  lastType = Object.freeze({ type, charset })
  return lastType
}

/** Whether a media type is JSON: `application/json` or any `+json` suffix (RFC 6839). */
export function isJson(type: string): boolean {
  return type === 'application/json' || type.endsWith('+json')
}

const UTF8 = new Set(['utf-8', 'utf8', 'unicode-1-1-utf-8'])
const decoders = new Map<string, TextDecoder>()

/**
 * Decodes bytes as text in `charset` (UTF-8 when absent). A leading byte-order mark is dropped; invalid
 * sequences become U+FFFD. A charset `TextDecoder` does not know is 415 `ERR_BODY_UNSUPPORTED_CHARSET`.
 */
export function decodeText(bytes: Uint8Array, charset: string | undefined): string {
  if (charset === undefined || UTF8.has(charset)) {
    const b = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    // EF BB BF: a UTF-8 byte-order mark (RFC 8259 §8.1 lets a parser ignore it).
    const start = b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0
    return b.toString('utf8', start)
  }
  return decoderFor(charset).decode(bytes)
}

function decoderFor(charset: string): TextDecoder {
  let d = decoders.get(charset)
  if (d !== undefined) return d
  try {
    d = new TextDecoder(charset)
  } catch {
    throw createError('ERR_BODY_UNSUPPORTED_CHARSET', `The charset "${charset}" of the request body is not supported`)
  }
  if (decoders.size < 64) decoders.set(charset, d)
  return d
}
