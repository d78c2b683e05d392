/** The server-side session cookie: `<id>.<issued>.<signature>`, the id random, the whole signed. */
import { randomBytes } from 'node:crypto'
import type { Signer } from './keys.js'

/**
 * What a verified session cookie says.
 *
 * @example
 * const { id, issued, key } = readSessionCookie(signer, name, value) ?? {}
 */
export interface SessionCookie {
  /** The session id: 144 random bits, base64url. */
  readonly id: string
  /** When the cookie (and the store's expiry) was last set, ms since the epoch. */
  readonly issued: number
  /** Which key signed it: 0 the current one, more an older one (re-signed when next written). */
  readonly key: number
}

const ID = /^[A-Za-z0-9_-]{24}$/
const ISSUED = /^[0-9a-z]{1,11}$/

/**
 * A new session id: 18 random bytes (144 bits), 24 base64url characters.
 *
 * @example
 * newSessionId() // 'hV3q0Yt1c9S8m2Q7xJk4WfZ_'
 */
export function newSessionId(): string {
  return randomBytes(18).toString('base64url')
}

/**
 * The cookie value for `id` issued at `issued`; the signature covers the cookie name too, so a value
 * signed for another cookie does not pass here.
 *
 * @example
 * c.cookie(name, signSessionCookie(signer, name, id, Date.now()), attrs)
 */
export function signSessionCookie(signer: Signer, name: string, id: string, issued: number): string {
  const payload = `${id}.${issued.toString(36)}`
  return `${payload}.${signer.sign(`${name}=${payload}`)}`
}

/**
 * Verifies a session cookie value; `undefined` when malformed, tampered or signed by no known key.
 *
 * @example
 * const sid = readSessionCookie(signer, name, c.req.cookies[name])
 */
export function readSessionCookie(signer: Signer, name: string, value: string | undefined): SessionCookie | undefined {
  if (value === undefined) return undefined
  const [id, issued, sig, extra] = value.split('.')
  if (extra !== undefined || id === undefined || issued === undefined || sig === undefined) return undefined
  if (!ID.test(id) || !ISSUED.test(issued)) return undefined
  const key = signer.verify(`${name}=${id}.${issued}`, sig)
  return key < 0 ? undefined : { id, issued: Number.parseInt(issued, 36), key }
}
