/** What memcached can hold: keys of at most 250 printable bytes, expiries in whole seconds. */
import { createHash } from 'node:crypto'

/** memcached's longest key, bytes. */
export const MAX_KEY = 250

// Printable ASCII but space and '%' passes as is (the common `session:abc` stays readable).
const PLAIN = /^[\x21-\x24\x26-\x7e]*$/

/**
 * Escapes a string into memcached key bytes: printable ASCII stays, '%', spaces, control characters and
 * non-ASCII (as UTF-8) become `%XX`. One-to-one, and `escape(a + b) === escape(a) + escape(b)`.
 *
 * @example
 * escapeKey('café ☕') // 'caf%C3%A9%20%E2%98%95'
 */
export function escapeKey(s: string): string {
  if (PLAIN.test(s)) return s
  let out = ''
  for (const byte of Buffer.from(s, 'utf8')) {
    out += byte > 0x20 && byte < 0x7f && byte !== 0x25 ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`
  }
  return out
}

/**
 * The memcached key of `key` under an escaped prefix: escaped, or — past 250 bytes — the prefix, `%#` (which
 * no escaped key contains) and the key's SHA-256, so any string is a key and two keys never meet.
 *
 * @example
 * memcachedKey('app:', 'user 1') // 'app:user%201'
 */
export function memcachedKey(prefix: string, key: string): string {
  const k = prefix + escapeKey(key)
  return k.length <= MAX_KEY ? k : `${prefix}%#${createHash('sha256').update(key).digest('base64url')}`
}

const MONTH = 30 * 24 * 3600

/**
 * memcached's expiry field for a ttl in ms (0: never). Rounded up to whole seconds, plus one: memcached's
 * clock ticks once a second and an item goes when the tick reaches its expiry, so `n` seconds can last as
 * little as `n - 1`; with the extra second a value lives at least its ttl, at most a second longer. Past
 * 30 days memcached reads the field as a Unix time, so those are sent as one.
 *
 * @example
 * expiry(1500) // 3
 */
export function expiry(ttl: number | undefined): number {
  if (ttl === undefined) return 0
  const s = Math.ceil(ttl / 1000) + 1
  // The field is 32 bits (a Unix time up to 2106); 0xffffffff tells increment not to create.
  return s <= MONTH ? s : Math.min(Math.ceil(Date.now() / 1000) + s, 0xffff_fffe)
}
