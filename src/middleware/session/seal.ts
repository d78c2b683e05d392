/** Authenticated encryption of cookie values: AES-256-GCM, one key per secret derived with HKDF. */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'

const IV_BYTES = 12
const TAG_BYTES = 16
// Distinct from what the HMAC signer uses, so one secret serves both without the keys being related.
const INFO = 'weir cookie-session aes-256-gcm v1'

/** Encrypts with the first secret's key, decrypts with any (key rotation). */
export class Sealer {
  readonly #keys: Buffer[]

  /**
   * @example
   * const sealer = new Sealer(checkKeys([secret], 'cookieSession()'))
   */
  constructor(secrets: readonly Buffer[]) {
    this.#keys = secrets.map((s) => Buffer.from(hkdfSync('sha256', s, '', INFO, 32)))
  }

  /**
   * `text` encrypted and authenticated, bound to `context` (the cookie name), as base64url of IV,
   * ciphertext and tag. A fresh random IV each time.
   *
   * @example
   * const value = sealer.seal(JSON.stringify(data), 'weir.session')
   */
  seal(text: string, context: string): string {
    const iv = randomBytes(IV_BYTES)
    const cipher = createCipheriv('aes-256-gcm', this.#keys[0]!, iv, { authTagLength: TAG_BYTES })
    cipher.setAAD(Buffer.from(context))
    const body = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()])
    return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url')
  }

  /**
   * The text of a sealed value, or `undefined` when it is malformed, tampered with, bound to another
   * context or sealed by no known key.
   *
   * @example
   * const text = sealer.open(c.req.cookies['weir.session'], 'weir.session')
   */
  open(sealed: string | undefined, context: string): string | undefined {
    if (sealed === undefined) return undefined
    const bytes = Buffer.from(sealed, 'base64url')
    if (bytes.byteLength < IV_BYTES + TAG_BYTES) return undefined
    // One cookie, one spelling: base64url decoding ignores junk and a last character's spare bits.
    if (bytes.toString('base64url') !== sealed) return undefined
    const iv = bytes.subarray(0, IV_BYTES)
    const body = bytes.subarray(IV_BYTES, bytes.byteLength - TAG_BYTES)
    const tag = bytes.subarray(bytes.byteLength - TAG_BYTES)
    for (const key of this.#keys) {
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES })
        decipher.setAAD(Buffer.from(context))
        decipher.setAuthTag(tag)
        return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8')
      } catch {
        // Not this key (or tampered): GCM's tag check failed in final().
      }
    }
    return undefined
  }
}
