/** Saving a server-side session after the handler: replay onto the stored data, touch, or delete. */
import type { Context } from '../../core/context.js'
import { update } from '../../store/helpers.js'
import type { Store } from '../../store/types.js'
import type { Attributes } from './attributes.js'
import { decodeData, encodeData } from './codec.js'
import type { Signer } from './keys.js'
import { type SessionCookie, signSessionCookie } from './sid.js'
import type { SessionState } from './state.js'

/**
 * The resolved options of `session()` that saving needs.
 *
 * @example
 * await saveSession(c, state, sid, settings satisfies SaveSettings)
 */
export interface SaveSettings {
  readonly store: Store
  readonly signer: Signer
  readonly name: string
  readonly ttl: number
  readonly rolling: boolean
  readonly maxBytes: number
  readonly attributes: Attributes
}

// Thrown inside update() when a signed id's data vanished before the save: the session moves to a new id.
const GONE = Symbol('session gone')

/**
 * Saves what the request changed, and sets the cookie only when it must change: a new id, an old
 * signing key, or a rolling refresh that is due (more than half the ttl passed since it was issued).
 *
 * @example
 * await next()
 * if (state.used && !c.res.sent) await saveSession(c, state, incoming, settings)
 */
export async function saveSession(c: Context, s: SessionState, sid: SessionCookie | undefined, o: SaveSettings): Promise<void> {
  const now = Date.now()
  if (s.destroyed && s.ops.length === 0) {
    await retire(s, o)
    if (c.req.cookies[o.name] !== undefined) c.deleteCookie(o.name, o.attributes(c, undefined))
    return
  }
  if (s.rebased) {
    // The new id first: a failed write (too large, store down) leaves the old session as it was.
    await o.store.set(s.id, encodeData(await s.data(), o.maxBytes), o.ttl)
    await retire(s, o)
    return setCookie(c, s.id, now, now, o)
  }
  const due = sid !== undefined && o.rolling && now - sid.issued > o.ttl / 2
  if (s.ops.length > 0) {
    // With rolling expiry every write restarts the store's ttl; without, the session keeps its first deadline.
    const issued = sid === undefined || o.rolling ? now : sid.issued
    await replay(s, o, o.ttl - (now - issued))
    if (s.isNew || sid === undefined) return setCookie(c, s.id, now, now, o)
    if (due || sid.key > 0) setCookie(c, s.id, o.rolling ? now : sid.issued, now, o)
    return
  }
  if (due && s.loaded && !s.isNew && (await o.store.touch(s.id, o.ttl))) setCookie(c, s.id, now, now, o)
}

const SAVE_RETRIES = 1_000

/** Replays the request's changes onto the data stored now, retrying while others write (compareAndSet). */
async function replay(s: SessionState, o: SaveSettings, ttl: number): Promise<void> {
  const write = () =>
    update(
      o.store,
      s.id,
      (current) => {
        const data = decodeData(current)
        if (data === undefined && !s.isNew) throw GONE
        return encodeData(s.replay(data), o.maxBytes)
      },
      // Many concurrent writers of one session (a burst of requests from one page) take many rounds; a
      // conflict answer (503) is for a session under siege, not for a busy one.
      { ttl: Math.max(1, ttl), retries: SAVE_RETRIES },
    )
  try {
    await write()
  } catch (err) {
    if (err !== GONE) throw err
    s.renew()
    await write()
  }
}

async function retire(s: SessionState, o: SaveSettings): Promise<void> {
  for (const id of s.retired) await o.store.delete(id)
}

function setCookie(c: Context, id: string, issued: number, now: number, o: SaveSettings): void {
  c.cookie(o.name, signSessionCookie(o.signer, o.name, id, issued), o.attributes(c, issued + o.ttl - now))
}
