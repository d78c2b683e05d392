/** A small HS256 JSON Web Token (RFC 7519) with node:crypto: the user id in `sub`, an expiry in `exp`. */
import { createHmac, timingSafeEqual } from 'node:crypto'

/** Why a token was refused. */
export type TokenProblem = 'malformed' | 'signature' | 'expired'

/** A verified token's subject, or why it was refused. */
export type Verified = { ok: true; userId: number } | { ok: false; problem: TokenProblem }

/** Signs and verifies the app's tokens. */
export interface Tokens {
  /** A token for `userId`, valid for the configured time. */
  sign(userId: number): string
  /** The user id of a well-signed, unexpired token. */
  verify(token: string): Verified
}

const HEADER = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))

/**
 * Tokens signed with `secret` (32 bytes or more: `openssl rand -base64 32`), valid `ttl` seconds.
 *
 * @example
 * const tokens = createTokens(process.env.JWT_SECRET, 24 * 3600)
 * const token = tokens.sign(42)
 * tokens.verify(token)   // { ok: true, userId: 42 }
 */
export function createTokens(secret: string, ttl: number, now: () => number = Date.now): Tokens {
  if (Buffer.byteLength(secret) < 32) throw new TypeError('createTokens(): the secret must be at least 32 bytes')
  if (!Number.isInteger(ttl) || ttl <= 0) throw new TypeError('createTokens(): ttl must be a positive whole number of seconds')
  const mac = (data: string) => createHmac('sha256', secret).update(data).digest()
  return {
    sign(userId) {
      const iat = Math.floor(now() / 1000)
      const payload = base64url(JSON.stringify({ sub: String(userId), iat, exp: iat + ttl }))
      return `${HEADER}.${payload}.${mac(`${HEADER}.${payload}`).toString('base64url')}`
    },
    verify(token) {
      const [header, payload, signature, extra] = token.split('.')
      // Only our own header is accepted: no `alg: none`, no other algorithm.
      if (header !== HEADER || payload === undefined || signature === undefined || extra !== undefined) return { ok: false, problem: 'malformed' }
      const expected = mac(`${header}.${payload}`)
      const given = Buffer.from(signature, 'base64url')
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, problem: 'signature' }
      const claims = parse(payload)
      if (claims === undefined) return { ok: false, problem: 'malformed' }
      if (claims.exp * 1000 <= now()) return { ok: false, problem: 'expired' }
      return { ok: true, userId: claims.userId }
    },
  }
}

function parse(payload: string): { userId: number; exp: number } | undefined {
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { sub?: unknown; exp?: unknown }
    const userId = Number(claims.sub)
    if (!Number.isSafeInteger(userId) || typeof claims.exp !== 'number') return undefined
    return { userId, exp: claims.exp }
  } catch {
    return undefined
  }
}

function base64url(text: string): string {
  return Buffer.from(text).toString('base64url')
}
