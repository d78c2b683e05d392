/** Cookie-only sessions: the data itself in the cookie, encrypted and authenticated (AES-256-GCM). */
import type { Context } from '../../core/context.js'
import type { Middleware } from '../../core/types.js'
import { type Attributes, checkPositive, checkSkip, cookieAttributes } from './attributes.js'
import { tooLarge } from './codec.js'
import { checkKeys } from './keys.js'
import { Sealer } from './seal.js'
import { newSessionId } from './sid.js'
import { type Data, SessionState } from './state.js'
import type { CommonSessionOptions } from './types.js'

/**
 * Options of {@link cookieSession}.
 *
 * @example
 * cookieSession({ keys: [process.env.COOKIE_KEY!], name: 'prefs', maxAge: 30 * 86_400_000 })
 */
export interface CookieSessionOptions extends CommonSessionOptions {
  /** Cookie name. Default `'weir.session'`. */
  name?: string
  /** Lifetime of the cookie and its data from the last write, ms. Default `86_400_000` (a day). */
  maxAge?: number
  /** Largest cookie (`name=value`, encrypted), bytes; past it 413 `ERR_SESSION_TOO_LARGE`. Default `4096` (what browsers keep). */
  maxBytes?: number
}

/** What the encrypted cookie holds. */
interface Payload {
  readonly id: string
  readonly data: Data
}

/**
 * Sessions without a store: the same `c.get('session')` API, the data encrypted into the cookie with
 * AES-256-GCM (a key per secret derived with HKDF, a random IV per write; the first key encrypts, all
 * decrypt). A tampered, foreign or expired cookie is an empty session. Concurrent requests are
 * last-write-wins: the browser keeps the cookie it received last.
 *
 * @example
 * import { cookieSession } from 'weir/session'
 * app.use(cookieSession({ keys: [process.env.COOKIE_KEY!], maxAge: 3_600_000 }))
 * app.get('/theme', async (c) => ({ theme: (await c.get('session')!.get('theme')) ?? 'light' }))
 */
export function cookieSession(options: CookieSessionOptions): Middleware {
  if (typeof options !== 'object' || options === null) throw new TypeError('cookieSession(): options with keys are required')
  const where = 'cookieSession()'
  const sealer = new Sealer(checkKeys(options.keys, where))
  const name = options.name ?? 'weir.session'
  if (typeof name !== 'string') throw new TypeError(`${where}: name must be a string`)
  const maxAge = checkPositive(options.maxAge, 86_400_000, `${where}: maxAge`)
  const maxBytes = checkPositive(options.maxBytes, 4096, `${where}: maxBytes`)
  const attributes = cookieAttributes(name, options.cookie, where)
  const skip = checkSkip(options.skip, where)
  const read = (c: Context): Payload | undefined => parse(sealer.open(c.req.cookies[name], name))
  return async function cookieSession(c, next) {
    if (skip?.(c)) return next()
    let payload: Payload | undefined
    const incoming = (): string | undefined => {
      payload = read(c)
      return payload?.id
    }
    const state = new SessionState({ incoming, load: async () => payload?.data, mint: newSessionId })
    c.set('session', state)
    await next()
    if (state.used && !c.res.sent) await save(c, state, { sealer, name, maxAge, maxBytes, attributes })
  }
}

interface Settings {
  readonly sealer: Sealer
  readonly name: string
  readonly maxAge: number
  readonly maxBytes: number
  readonly attributes: Attributes
}

/** Writes the cookie when the data changed (each write restarts `maxAge`), clears it after `destroy()`. */
async function save(c: Context, s: SessionState, o: Settings): Promise<void> {
  if (s.destroyed && s.ops.length === 0) {
    if (c.req.cookies[o.name] !== undefined) c.deleteCookie(o.name, o.attributes(c, undefined))
    return
  }
  if (s.ops.length === 0 && !s.rebased) return
  const data = Object.fromEntries(await s.data())
  const value = o.sealer.seal(JSON.stringify({ i: s.id, e: Date.now() + o.maxAge, d: data }), o.name)
  const size = o.name.length + 1 + value.length
  if (size > o.maxBytes) throw tooLarge(size, o.maxBytes)
  c.cookie(o.name, value, o.attributes(c, o.maxAge))
}

/** The payload of opened cookie text, or `undefined` when absent, malformed or expired. */
function parse(text: string | undefined): Payload | undefined {
  if (text === undefined) return undefined
  try {
    const p = JSON.parse(text) as { i?: unknown; e?: unknown; d?: unknown }
    if (typeof p.i !== 'string' || typeof p.e !== 'number' || p.e <= Date.now()) return undefined
    if (typeof p.d !== 'object' || p.d === null || Array.isArray(p.d)) return undefined
    return { id: p.i, data: new Map(Object.entries(p.d)) }
  } catch {
    return undefined
  }
}
