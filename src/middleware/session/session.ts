/** Server-side sessions over any Store: a signed random id in the cookie, the data in the store. */
import type { Middleware } from '../../core/types.js'
import { memoryStore } from '../../store/memory/index.js'
import type { Store } from '../../store/types.js'
import { checkPositive, checkSkip, cookieAttributes } from './attributes.js'
import { decodeData } from './codec.js'
import { Signer, checkKeys } from './keys.js'
import { type SaveSettings, saveSession } from './save.js'
import { type SessionCookie, newSessionId, readSessionCookie } from './sid.js'
import { SessionState } from './state.js'
import type { CommonSessionOptions } from './types.js'

/**
 * Options of {@link session}.
 *
 * @example
 * session({ keys: [NEW, OLD], store: redisStore({ prefix: 'myapp:' }), ttl: 3_600_000, rolling: false })
 */
export interface SessionOptions extends CommonSessionOptions {
  /** Where the data lives. Default: a `memoryStore()` made for this middleware (one process only). */
  store?: Store
  /** Cookie name. Default `'weir.sid'`. */
  name?: string
  /** Lifetime of a session, ms: since it was last refreshed (`rolling`) or since it began. Default `86_400_000` (a day). */
  ttl?: number
  /** Refresh the expiry of a session in use, at most when more than half of `ttl` has passed. Default `true`. */
  rolling?: boolean
  /** Largest session data, bytes of JSON; past it the request fails with 413 `ERR_SESSION_TOO_LARGE`. Default `16_384`. */
  maxBytes?: number
}

/**
 * Server-side sessions: `c.get('session')` reads and writes data kept in `store` under a random id
 * (144 bits) that the cookie carries, signed with HMAC-SHA256. Lazy: a request that never uses the
 * session costs no store call and no cookie. Changes are saved after the handler returned, replayed
 * onto the data stored then, so concurrent requests lose nothing (see docs/middleware/session.md).
 *
 * @example
 * import { session } from 'weir/session'
 * app.use(session({ keys: [process.env.SESSION_KEY!], store: redisStore({ url }) }))
 * app.post('/login', async (c) => {
 *   const s = c.get('session')!
 *   await s.regenerate()
 *   s.set('user', await signIn(await c.req.json()))
 *   return { ok: true }
 * })
 */
export function session(options: SessionOptions): Middleware {
  if (typeof options !== 'object' || options === null) throw new TypeError('session(): options with keys are required')
  const settings = resolve(options)
  const skip = checkSkip(options.skip, 'session()')
  const { store, signer, name, ttl } = settings
  const load = async (id: string) => decodeData(await store.get(id))
  return async function session(c, next) {
    if (skip?.(c)) return next()
    let sid: SessionCookie | undefined
    const incoming = (): string | undefined => {
      sid = readSessionCookie(signer, name, c.req.cookies[name])
      // The signed issue time bounds the session even if a client keeps the cookie past Max-Age.
      if (sid !== undefined && Date.now() - sid.issued >= ttl) sid = undefined
      return sid?.id
    }
    const state = new SessionState({ incoming, load, mint: newSessionId })
    c.set('session', state)
    await next()
    // A response already sent (a timeout answered) cannot carry a new cookie: its changes are dropped.
    if (state.used && !c.res.sent) await saveSession(c, state, sid, settings)
  }
}

function resolve(o: SessionOptions): SaveSettings {
  const where = 'session()'
  const store = o.store ?? memoryStore()
  if (typeof store?.compareAndSet !== 'function' || typeof store.touch !== 'function') throw new TypeError(`${where}: store must implement Store (weir/store)`)
  const name = o.name ?? 'weir.sid'
  if (typeof name !== 'string') throw new TypeError(`${where}: name must be a string`)
  const rolling = o.rolling ?? true
  if (typeof rolling !== 'boolean') throw new TypeError(`${where}: rolling must be a boolean`)
  return {
    store,
    signer: new Signer(checkKeys(o.keys, where)),
    name,
    ttl: checkPositive(o.ttl, 86_400_000, `${where}: ttl`),
    rolling,
    maxBytes: checkPositive(o.maxBytes, 16_384, `${where}: maxBytes`),
    attributes: cookieAttributes(name, o.cookie, where),
  }
}
