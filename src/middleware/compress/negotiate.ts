/** Accept-Encoding negotiation (RFC 9110 §12.5.3), pure and cached per distinct header value. */

/** What the client accepts among the codings we have. */
export interface Choice {
  /** The coding to use, or `undefined` for identity. */
  readonly coding: string | undefined
  /** Whether an uncompressed response is acceptable (`identity;q=0` or `*;q=0` say no). */
  readonly identity: boolean
}

const NONE: Choice = { coding: undefined, identity: true }

/**
 * Parses `Accept-Encoding` into coding → weight (lower-case; `x-gzip` is `gzip`, RFC 9110 §8.4.1.3).
 *
 * @example
 * parseAcceptEncoding('gzip;q=0.5, br') // Map { 'gzip' => 0.5, 'br' => 1 }
 */
export function parseAcceptEncoding(header: string): Map<string, number> {
  const out = new Map<string, number>()
  for (const part of header.split(',')) {
    const [name = '', ...params] = part.split(';')
    let coding = name.trim().toLowerCase()
    if (coding === '') continue
    if (coding === 'x-gzip') coding = 'gzip'
    let q = 1
    for (const p of params) {
      const [k, v] = p.split('=')
      if (k?.trim().toLowerCase() === 'q') q = Number(v?.trim())
    }
    // RFC 9110 §12.4.2: a weight is 0 to 1; an entry with a malformed one is ignored.
    if (Number.isNaN(q) || q < 0 || q > 1) continue
    if (!out.has(coding)) out.set(coding, q)
  }
  return out
}

/**
 * Picks the coding with the highest weight among `available` (ties go to the server's order); `*` gives
 * its weight to codings not listed. No header: identity (RFC 9110 allows any coding, but clients that
 * omit it — scripts, old proxies — rarely decode). An explicit `identity` with a higher weight wins.
 *
 * @example
 * negotiate('gzip;q=0.8, br', ['br', 'gzip']) // { coding: 'br', identity: true }
 * negotiate('gzip;q=0, identity;q=0', ['gzip']) // { coding: undefined, identity: false }
 */
export function negotiate(header: string | undefined, available: readonly string[]): Choice {
  if (header === undefined) return NONE
  const weights = parseAcceptEncoding(header)
  const star = weights.get('*')
  let best: string | undefined
  let bestQ = 0
  for (const coding of available) {
    const q = weights.get(coding) ?? star ?? 0
    if (q > bestQ) {
      best = coding
      bestQ = q
    }
  }
  const idQ = weights.get('identity')
  // §12.5.3: identity is acceptable unless excluded by "identity;q=0", or by "*;q=0" without an identity entry.
  const identity = idQ !== undefined ? idQ > 0 : star !== 0
  if (idQ !== undefined && idQ > bestQ) return { coding: undefined, identity }
  return { coding: best, identity }
}

/**
 * A negotiator for one list of codings, remembering the answers for up to `size` distinct header values.
 *
 * @example
 * const choose = negotiator(['br', 'gzip'])
 * choose('gzip, deflate, br').coding // 'br'
 */
export function negotiator(available: readonly string[], size = 256): (header: string | undefined) => Choice {
  const cache = new Map<string, Choice>()
  return (header) => {
    if (header === undefined) return NONE
    let hit = cache.get(header)
    if (hit === undefined) {
      hit = negotiate(header, available)
      if (cache.size >= size) cache.clear()
      cache.set(header, hit)
    }
    return hit
  }
}
