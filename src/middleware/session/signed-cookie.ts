/** Signed cookies for apps without sessions: a readable value plus an HMAC-SHA256 signature. */
import type { Context } from '../../core/context.js'
import type { CookieOptions } from '../../utils/cookie.js'
import { Signer, type Secret, checkKeys } from './keys.js'

/**
 * Options of {@link readSignedCookie}.
 *
 * @example
 * readSignedCookie(c, 'plan', { keys: [NEW, OLD] })
 */
export interface SignedCookieKeys {
  /** Secrets, newest first: the first signs, all verify; each ≥ 32 bytes. */
  keys: readonly Secret[]
}

/**
 * Options of {@link signCookie}: the keys and the cookie's attributes (`maxAge` in seconds, as `c.cookie`).
 *
 * @example
 * signCookie(c, 'plan', 'pro', { keys: [NEW], maxAge: 86_400, sameSite: 'Strict' })
 */
export interface SignCookieOptions extends SignedCookieKeys, CookieOptions {}

// Keys are checked and turned into key objects once per list, not per call.
const signers = new WeakMap<readonly Secret[], Signer>()

function signerOf(keys: readonly Secret[], where: string): Signer {
  let signer = signers.get(keys)
  if (signer === undefined) {
    signer = new Signer(checkKeys(keys, where))
    signers.set(keys, signer)
  }
  return signer
}

/**
 * Sets a cookie whose value the client can read but not change: `<value>.<signature>`, signed with the
 * first key over the name and value (a value signed for one cookie does not pass as another). Not
 * encrypted: keep secrets out of it (use `cookieSession()` for that).
 *
 * @example
 * import { signCookie } from 'weir/session'
 * const KEYS = [process.env.COOKIE_KEY!]
 * app.post('/prefs', (c) => { signCookie(c, 'plan', 'pro', { keys: KEYS, maxAge: 86_400 }); return { ok: true } })
 */
export function signCookie(c: Context, name: string, value: string, options: SignCookieOptions): void {
  const { keys, ...cookie } = options
  if (typeof value !== 'string') throw new TypeError('signCookie(): value must be a string')
  const signer = signerOf(keys, 'signCookie()')
  c.cookie(name, `${value}.${signer.sign(`${name}=${value}`)}`, cookie)
}

/**
 * The value of a cookie set by {@link signCookie}, or `undefined` when absent or tampered with, or signed
 * by none of `keys` (older keys still verify: rotate by putting the new key first).
 *
 * @example
 * import { readSignedCookie } from 'weir/session'
 * app.get('/plan', (c) => ({ plan: readSignedCookie(c, 'plan', { keys: KEYS }) ?? 'free' }))
 */
export function readSignedCookie(c: Context, name: string, options: SignedCookieKeys): string | undefined {
  const signer = signerOf(options.keys, 'readSignedCookie()')
  const raw = c.req.cookies[name]
  if (raw === undefined) return undefined
  const dot = raw.lastIndexOf('.')
  if (dot < 0) return undefined
  const value = raw.slice(0, dot)
  return signer.verify(`${name}=${value}`, raw.slice(dot + 1)) < 0 ? undefined : value
}
