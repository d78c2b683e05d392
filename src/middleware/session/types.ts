/** The session API handlers see (`c.get('session')`), and the options both session kinds share. */
import type { Context } from '../../core/context.js'
import type { Secret } from './keys.js'

/**
 * One visitor's session, as handlers see it. Reads load the data once, on first use; writes are recorded
 * and saved after the handler returned (only when something changed). Values are JSON: what
 * `JSON.stringify` drops (`undefined`, functions) is not kept, dates come back as strings.
 *
 * @example
 * app.get('/visits', async (c) => {
 *   const s = c.get('session')!
 *   return { visits: await s.update('visits', (n: number | undefined) => (n ?? 0) + 1) }
 * })
 */
export interface Session {
  /** The session id (cookie sessions keep one in the cookie too). A new one is made when there is none. */
  readonly id: string
  /** `true` when the request brought no valid session, or its data was gone (known after the first read). */
  readonly isNew: boolean
  /** A copy of the value under `key`, or `undefined`. */
  get<T = unknown>(key: string): Promise<T | undefined>
  /** Sets `key` (a JSON copy of `value`; `undefined` deletes). Last writer wins among concurrent requests. */
  set(key: string, value: unknown): void
  /** Deletes `key`. */
  delete(key: string): void
  /**
   * Changes `key` with `fn(current)` (return `undefined` to delete), and resolves the new value. At save,
   * `fn` runs again on the value then stored, so concurrent requests' updates compose (server-side
   * sessions): keep `fn` pure and synchronous.
   */
  update<T = unknown>(key: string, fn: (current: T | undefined) => T | undefined): Promise<T | undefined>
  /** A copy of all the data. */
  all(): Promise<Record<string, unknown>>
  /** A new id with the same data; the old id is deleted. Call it when the user signs in (session fixation). */
  regenerate(): Promise<void>
  /** Deletes the data and clears the cookie; values set afterwards start a new session. */
  destroy(): Promise<void>
}

declare module '../../core/types.js' {
  interface ContextVariables {
    session: Session
  }
}

/**
 * Attributes of the session cookie.
 *
 * @example
 * session({ keys, cookie: { sameSite: 'Strict', domain: 'example.com' } })
 */
export interface SessionCookieOptions {
  /** Default `/`. */
  path?: string
  /** Default: none (this host only). */
  domain?: string
  /** Default `'Lax'`. `'None'` needs `secure` (browsers refuse it otherwise). */
  sameSite?: 'Strict' | 'Lax' | 'None'
  /** `true`, `false`, or `'auto'`: when the request came over HTTPS (`c.req.protocol`, which honours `trustProxy`). Default `'auto'`. */
  secure?: boolean | 'auto'
  /** Default `true`: page scripts cannot read it. */
  httpOnly?: boolean
}

/**
 * Options both session kinds take (`session()`, `cookieSession()`).
 *
 * @example
 * const common: CommonSessionOptions = { keys: [process.env.SESSION_KEY!], skip: (c) => c.req.path === '/health' }
 */
export interface CommonSessionOptions {
  /** Secrets, newest first: the first signs (or encrypts), all verify; each ≥ 32 bytes. Required. */
  keys: readonly Secret[]
  /** Cookie attributes. */
  cookie?: SessionCookieOptions
  /** Requests that get no session (`c.get('session')` is `undefined`). */
  skip?: (c: Context) => boolean
}
