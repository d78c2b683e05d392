/** The session cookie's attributes: checked once, `Secure` decided per request when `'auto'`. */
import type { Context } from '../../core/context.js'
import { type CookieOptions, serializeCookie } from '../../utils/cookie.js'
import type { SessionCookieOptions } from './types.js'

const SAME_SITE = new Set(['Strict', 'Lax', 'None'])

/**
 * Builds a request's cookie attributes with a lifetime in ms (`undefined`: a browser-session cookie).
 *
 * @example
 * c.cookie(name, value, attributes(c, 86_400_000))
 */
export type Attributes = (c: Context, maxAge: number | undefined) => CookieOptions

/**
 * Checks the cookie name and attributes once (a bad one throws `TypeError` naming `where`) and returns
 * the per-request builder.
 *
 * @example
 * const attrs = cookieAttributes('weir.sid', { sameSite: 'Strict' }, 'session()')
 * c.cookie('weir.sid', value, attrs(c, 86_400_000))
 */
export function cookieAttributes(name: string, options: SessionCookieOptions | undefined, where: string): Attributes {
  const o = options ?? {}
  if (typeof o !== 'object') throw new TypeError(`${where}: cookie must be an object of attributes`)
  const sameSite = o.sameSite ?? 'Lax'
  if (!SAME_SITE.has(sameSite)) throw new TypeError(`${where}: cookie.sameSite must be 'Strict', 'Lax' or 'None', got ${JSON.stringify(o.sameSite)}`)
  const secure = o.secure ?? 'auto'
  if (secure !== true && secure !== false && secure !== 'auto') throw new TypeError(`${where}: cookie.secure must be true, false or 'auto'`)
  if (sameSite === 'None' && secure === false) throw new TypeError(`${where}: cookie.sameSite 'None' needs cookie.secure (browsers refuse it otherwise)`)
  const httpOnly = o.httpOnly ?? true
  if (typeof httpOnly !== 'boolean') throw new TypeError(`${where}: cookie.httpOnly must be a boolean`)
  const base: CookieOptions = { path: o.path ?? '/', domain: o.domain, sameSite, httpOnly }
  try {
    serializeCookie(name, '', base)
  } catch (err) {
    throw new TypeError(`${where}: ${(err as Error).message}`)
  }
  return (c, maxAge) => ({
    ...base,
    secure: secure === 'auto' ? c.req.protocol === 'https' : secure,
    maxAge: maxAge === undefined ? undefined : Math.max(1, Math.floor(maxAge / 1000)),
  })
}

/**
 * Checks a count option (ms, bytes): a positive integer, or the default.
 *
 * @example
 * const ttl = checkPositive(options.ttl, 86_400_000, 'session(): ttl')
 */
export function checkPositive(value: number | undefined, fallback: number, what: string): number {
  const n = value ?? fallback
  if (!Number.isSafeInteger(n) || n < 1) throw new TypeError(`${what} must be a positive integer, got ${value}`)
  return n
}

/**
 * Checks an optional `skip` option.
 *
 * @example
 * const skip = checkSkip(options.skip, 'session()')
 */
export function checkSkip(skip: ((c: Context) => boolean) | undefined, where: string): ((c: Context) => boolean) | undefined {
  if (skip !== undefined && typeof skip !== 'function') throw new TypeError(`${where}: skip must be a function`)
  return skip
}
