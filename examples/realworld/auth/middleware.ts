/** Who is calling: `Authorization: Token <jwt>` read once for the whole API, required where the spec says so. */
import { type Context, HttpError, type Middleware } from '../../../src/index.js'
import type { Database } from '../db/index.js'
import type { Tokens } from './token.js'

declare module '../../../src/core/types.js' {
  interface ContextVariables {
    /** The signed-in user's id, set by `identify()` when the request carries a valid token. */
    userId: number
  }
}

const CHALLENGE = { 'www-authenticate': 'Token' }

const REFUSED = {
  malformed: 'The token is malformed',
  signature: 'The token signature does not match',
  expired: 'The token has expired; log in again',
} as const

/**
 * Group middleware: a request with `Authorization: Token <jwt>` gets `c.get('userId')`; one without goes on
 * anonymously; a wrong, expired or unknown user's token is 401 — on every route, so a client never mistakes
 * a broken session for an anonymous one.
 *
 * @example
 * const api = app.group('/api', identify(tokens, db))
 */
export function identify(tokens: Tokens, db: Database): Middleware {
  return async function identify(c, next) {
    const header = c.req.header('authorization')
    if (header !== undefined) c.set('userId', await userOf(header, tokens, db))
    await next()
  }
}

/**
 * Route middleware: 401 `ERR_AUTH_REQUIRED` unless `identify()` found a user.
 *
 * @example
 * api.get('/user', requireUser, (c) => …)
 */
export const requireUser: Middleware = async function requireUser(c, next) {
  signedIn(c)
  await next()
}

/**
 * The signed-in user's id (401 without one), for handlers behind {@link requireUser}.
 *
 * @example
 * const me = signedIn(c)
 */
export function signedIn(c: Context): number {
  const id = c.get('userId')
  if (id === undefined) throw new HttpError(401, 'Sign in: send "Authorization: Token <jwt>"', { code: 'ERR_AUTH_REQUIRED', headers: CHALLENGE })
  return id
}

/**
 * The signed-in user's id, or `null` for an anonymous request (routes where auth is optional).
 *
 * @example
 * const viewer = viewerOf(c)
 */
export function viewerOf(c: Context): number | null {
  return c.get('userId') ?? null
}

async function userOf(header: string, tokens: Tokens, db: Database): Promise<number> {
  // RFC 9110 §11.1: the scheme is case-insensitive.
  const match = /^Token +([\w-]+\.[\w-]+\.[\w-]+)$/i.exec(header)
  if (match === null) throw new HttpError(401, 'Send "Authorization: Token <jwt>"', { code: 'ERR_TOKEN_INVALID', headers: CHALLENGE })
  const verified = tokens.verify(match[1] as string)
  if (!verified.ok) {
    const code = verified.problem === 'expired' ? 'ERR_TOKEN_EXPIRED' : 'ERR_TOKEN_INVALID'
    throw new HttpError(401, REFUSED[verified.problem], { code, headers: CHALLENGE })
  }
  // A token outlives a deleted user: check the user is still there.
  const row = await db.get('SELECT id FROM users WHERE id = ?', [verified.userId])
  if (row === undefined) throw new HttpError(401, 'The token belongs to no user', { code: 'ERR_TOKEN_INVALID', headers: CHALLENGE })
  return verified.userId
}
