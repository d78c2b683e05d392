/** How cache entries become store bytes: a `{ encode, decode }` byte codec or a `{ stringify, parse }` text one (`JSON`). */
import type { StoreValue } from '../../store/types.js'

/**
 * Turns values into store bytes and back: either shape works — bytes (`jsonCodec` from `weir/store`, a
 * msgpack wrapper) or text (`JSON`, `superjson`, `devalue`).
 *
 * @example
 * import { encode, decode } from '@msgpack/msgpack'
 * const msgpack: Codec = { encode: (v) => encode(v), decode: (b) => decode(b) }
 * const cache = createCache({ codec: msgpack })
 */
export type Codec = { encode(value: unknown): StoreValue; decode(bytes: StoreValue): unknown } | { stringify(value: unknown): string; parse(text: string): unknown }

/** A codec reduced to the byte form. */
export interface Bytes {
  encode(value: unknown): StoreValue
  decode(bytes: StoreValue): unknown
}

/** Checks a codec once, when the cache is made, and gives its byte form; a bad one throws `TypeError`. */
export function toBytes(codec: Codec | undefined, where: string): Bytes {
  const c = (codec ?? JSON) as Partial<Record<'encode' | 'decode' | 'stringify' | 'parse', unknown>>
  if (typeof c.encode === 'function' && typeof c.decode === 'function') return c as unknown as Bytes
  if (typeof c.stringify === 'function' && typeof c.parse === 'function') {
    const text = c as unknown as { stringify(value: unknown): string; parse(text: string): unknown }
    return {
      encode: (value) => Buffer.from(text.stringify(value), 'utf8'),
      decode: (bytes) => text.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')),
    }
  }
  throw new TypeError(`${where}: codec must have encode(value)/decode(bytes) or stringify(value)/parse(text)`)
}
