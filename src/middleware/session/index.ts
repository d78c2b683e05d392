/**
 * `weir/session`: server-side sessions over any Store (`session()`), cookie-only encrypted sessions
 * (`cookieSession()`), and signed cookies (`signCookie()`, `readSignedCookie()`).
 */
export { type SessionOptions, session } from './session.js'
export { type CookieSessionOptions, cookieSession } from './cookie-session.js'
export { type SignCookieOptions, type SignedCookieKeys, readSignedCookie, signCookie } from './signed-cookie.js'
export type { CommonSessionOptions, Session, SessionCookieOptions } from './types.js'
export type { Secret } from './keys.js'
