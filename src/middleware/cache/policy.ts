/** What a response cache may store and serve, and for how long (RFC 9111 §3, §4.2, §5.2). */
import type { IncomingHttpHeaders } from 'node:http'
import type { WeirResponse } from '../../core/response.js'

/**
 * Cache-Control directives, lower-case names; a directive without a value is `true`.
 *
 * @example
 * const d: Directives = directives('max-age=60, public')
 * d.get('max-age') // '60'
 */
export type Directives = Map<string, string | true>

/**
 * Parses `Cache-Control` (RFC 9111 §5.2): names are case-insensitive, values may be quoted.
 *
 * @example
 * directives('public, max-age=60, no-cache="set-cookie"') // Map { public → true, max-age → '60', no-cache → 'set-cookie' }
 */
export function directives(value: string | string[] | number | undefined): Directives {
  const out: Directives = new Map()
  if (value === undefined) return out
  const text = Array.isArray(value) ? value.join(',') : String(value)
  for (const m of text.matchAll(/([!#$%&'*+\-.^_`|~0-9A-Za-z]+)\s*(?:=\s*(?:"([^"]*)"|([^,\s]*)))?/g)) {
    const name = m[1]!.toLowerCase()
    if (!out.has(name)) out.set(name, m[2] ?? m[3] ?? true)
  }
  return out
}

// RFC 9110 §15.1: statuses cacheable by default; all but 200 are stored here only with explicit freshness.
const CACHEABLE = new Set([200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501])

/** Seconds of a delta-seconds directive (RFC 9111 §1.2.2), or `undefined` when absent or malformed. */
function seconds(d: Directives, name: string): number | undefined {
  const v = d.get(name)
  return typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined
}

/**
 * How long a response may be served from the cache, ms, or `undefined` when it must not be stored:
 * `no-store` (§5.2.2.5), `no-cache` (§5.2.2.4: never served without the origin, so storing it buys
 * nothing here), `private` in a shared cache (§5.2.2.7), `Set-Cookie` (one user's cookie must not reach
 * another), `Vary: *` (§4.1: matches no later request). `s-maxage` wins in a shared cache (§5.2.2.10),
 * then `max-age`, then `Expires` (§5.3); without them only a 200 is stored, for `fallback` ms.
 *
 * @example
 * lifetime(res, true, 60_000) // 30_000 for "Cache-Control: max-age=60, s-maxage=30"
 */
export function lifetime(res: WeirResponse, shared: boolean, fallback: number): number | undefined {
  if (!CACHEABLE.has(res.status) || res.has('set-cookie')) return undefined
  const cc = directives(res.get('cache-control'))
  if (cc.has('no-store') || cc.has('no-cache') || (shared && cc.has('private'))) return undefined
  if (String(res.get('vary') ?? '').includes('*')) return undefined
  const explicit = (shared ? seconds(cc, 's-maxage') : undefined) ?? seconds(cc, 'max-age')
  let ms = explicit === undefined ? expires(res) : explicit * 1000
  if (ms === undefined && res.status === 200) ms = fallback
  return ms !== undefined && ms > 0 ? ms : undefined
}

function expires(res: WeirResponse): number | undefined {
  const e = res.get('expires')
  if (e === undefined) return undefined
  // §5.3: an invalid date (such as "0") means already expired.
  const at = Date.parse(String(e))
  if (Number.isNaN(at)) return 0
  const date = Date.parse(String(res.get('date') ?? ''))
  return at - (Number.isNaN(date) ? Date.now() : date)
}

/**
 * Whether a shared cache may store the answer to a request carrying credentials: RFC 9111 §3.5 allows it
 * for `Authorization` only when the response says `public`, `s-maxage` or `must-revalidate`; a `Cookie`
 * is held to the same rule, since answers to it are usually personal.
 *
 * @example
 * credentialsAllowed({ authorization: 'Bearer x' }, res) // true only with "Cache-Control: public" (or the like)
 */
export function credentialsAllowed(h: IncomingHttpHeaders, res: WeirResponse): boolean {
  if (h.authorization === undefined && h.cookie === undefined) return true
  const cc = directives(res.get('cache-control'))
  return cc.has('public') || cc.has('s-maxage') || cc.has('must-revalidate')
}

/** What the request's own `Cache-Control` (and `Pragma`) asks of the cache (RFC 9111 §5.2.1). */
export interface RequestRules {
  /** Neither serve from nor store into the cache. */
  noStore: boolean
  /** Do not serve from the cache (go to the origin), but store its answer. */
  noCache: boolean
  /** Serve only an entry at most this old, seconds. */
  maxAge: number | undefined
}

/**
 * Reads the request's cache directives; `Pragma: no-cache` counts only without `Cache-Control` (§5.4).
 *
 * @example
 * requestRules({ 'cache-control': 'max-age=0' }) // { noStore: false, noCache: true, maxAge: 0 }
 */
export function requestRules(h: IncomingHttpHeaders): RequestRules {
  const cc = directives(h['cache-control'])
  const maxAge = seconds(cc, 'max-age')
  const pragma = h['cache-control'] === undefined && /(?:^|,)\s*no-cache\s*(?:,|$)/i.test(String(h.pragma ?? ''))
  return { noStore: cc.has('no-store'), noCache: cc.has('no-cache') || pragma || maxAge === 0, maxAge }
}
