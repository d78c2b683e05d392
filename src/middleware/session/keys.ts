/** Secrets for signing: checked once, the first signs, every one verifies (key rotation). */
import { type KeyObject, createHmac, createSecretKey, timingSafeEqual } from 'node:crypto'

/**
 * A secret: a string (its UTF-8 bytes count) or bytes, at least 32 bytes long.
 *
 * @example
 * const key: Secret = crypto.randomBytes(32)
 */
export type Secret = string | Uint8Array

/**
 * Fewest bytes a secret may have: the output size of SHA-256, so the key is not the weak link.
 *
 * @example
 * crypto.randomBytes(MIN_SECRET_BYTES).toString('base64url')
 */
export const MIN_SECRET_BYTES = 32

/**
 * Checks a list of secrets once (non-empty, each ≥ 32 bytes) and returns their raw bytes, first first;
 * a bad list throws `TypeError` naming `where`.
 *
 * @example
 * const secrets = checkKeys([process.env.SESSION_KEY!], 'session()')
 */
export function checkKeys(keys: readonly Secret[] | undefined, where: string): Buffer[] {
  if (!Array.isArray(keys) || keys.length === 0) throw new TypeError(`${where}: keys must be a non-empty list of secrets (newest first)`)
  return keys.map((k, i) => {
    if (typeof k !== 'string' && !(k instanceof Uint8Array)) throw new TypeError(`${where}: keys[${i}] must be a string or bytes`)
    const bytes = Buffer.from(k)
    if (bytes.byteLength < MIN_SECRET_BYTES) throw new TypeError(`${where}: keys[${i}] has ${bytes.byteLength} bytes; a secret needs at least ${MIN_SECRET_BYTES} (e.g. crypto.randomBytes(32).toString('base64url'))`)
    return bytes
  })
}

const VERIFIED_MAX = 10_000

/**
 * HMAC-SHA256 signing with a rotating list of keys.
 *
 * @example
 * const signer = new Signer(checkKeys([NEW, OLD], 'session()'))
 * const sig = signer.sign('weir.sid=abc')
 */
export class Signer {
  readonly #keys: KeyObject[]
  readonly #verified = new Map<string, number>()

  /**
   * @example
   * const signer = new Signer(checkKeys([secret], 'signCookie()'))
   */
  constructor(secrets: readonly Buffer[]) {
    this.#keys = secrets.map((s) => createSecretKey(s))
  }

  /**
   * The base64url HMAC of `data` with the first key.
   *
   * @example
   * signer.sign('weir.sid=abc') // 'q1Xw…' (43 characters)
   */
  sign(data: string): string {
    return mac(this.#keys[0]!, data).toString('base64url')
  }

  /**
   * Which key signed `data` (0 is the current key, more is an older one), or -1 when none did. Every
   * comparison is constant-time.
   *
   * @example
   * if (signer.verify(data, sig) > 0) resign()
   */
  verify(data: string, signature: string): number {
    // A signature once verified stays valid for these keys: remember it, so a returning cookie costs a
    // Map lookup instead of an HMAC (about 3 µs). Only valid pairs are kept; the map is bounded.
    const memo = `${data}\u0000${signature}`
    const known = this.#verified.get(memo)
    if (known !== undefined) return known
    const key = this.#verify(data, signature)
    if (key >= 0) {
      if (this.#verified.size >= VERIFIED_MAX) this.#verified.clear()
      this.#verified.set(memo, key)
    }
    return key
  }

  #verify(data: string, signature: string): number {
    const given = Buffer.from(signature, 'base64url')
    // A SHA-256 MAC is 32 bytes; base64url decoding skips junk, so check the text round-trips too.
    if (given.byteLength !== 32 || given.toString('base64url') !== signature) return -1
    for (let i = 0; i < this.#keys.length; i++) {
      if (timingSafeEqual(mac(this.#keys[i]!, data), given)) return i
    }
    return -1
  }
}

function mac(key: KeyObject, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest()
}
