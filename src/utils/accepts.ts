/** Content negotiation (RFC 9110 §12): the best media type for `Accept`, the best coding for `Accept-Encoding`, and `Vary`. */

interface MediaRange {
  readonly type: string
  readonly subtype: string
  readonly q: number
  readonly order: number
}

const cache = new Map<string, readonly MediaRange[]>()

/**
 * The media ranges of an `Accept` header, with their weights (media-type parameters other than `q` are
 * ignored; entries without a `/` or with a malformed weight are skipped). Cached per distinct header.
 *
 * @example
 * parseAccept('text/html, application/json;q=0.5') // [{ type: 'text', subtype: 'html', q: 1, … }, …]
 */
export function parseAccept(header: string): readonly MediaRange[] {
  const hit = cache.get(header)
  if (hit !== undefined) return hit
  const out: MediaRange[] = []
  for (const part of header.split(',')) {
    const [range = '', ...params] = part.split(';')
    const slash = range.indexOf('/')
    if (slash === -1) continue
    let q = 1
    for (const p of params) {
      const eq = p.indexOf('=')
      if (eq !== -1 && p.slice(0, eq).trim().toLowerCase() === 'q') q = Number(p.slice(eq + 1).trim())
    }
    // RFC 9110 §12.4.2: a weight is a number from 0 to 1.
    if (!(q >= 0 && q <= 1)) continue
    out.push({ type: range.slice(0, slash).trim().toLowerCase(), subtype: range.slice(slash + 1).trim().toLowerCase(), q, order: out.length })
  }
  if (cache.size >= 256) cache.clear()
  cache.set(header, out)
  return out
}

/**
 * The index of the offer the client prefers, or `-1` when none is acceptable. An offer takes the weight of
 * the most specific range matching it (`text/html` over `text/*` over `*\/*`); the highest weight wins,
 * then the more specific match, then the range listed first, then the offer listed first. No (or a blank)
 * `Accept` accepts anything: the first offer wins.
 *
 * @example
 * negotiate('text/html;q=0.9, application/json', ['text/html', 'application/json']) // 1
 * negotiate('image/png', ['application/json']) // -1
 */
export function negotiate(header: string | undefined, offers: readonly string[]): number {
  if (offers.length === 0) return -1
  if (header === undefined || header.trim() === '') return 0
  const ranges = parseAccept(header)
  let best = -1
  let bestQ = 0
  let bestSpec = -1
  let bestOrder = Number.POSITIVE_INFINITY
  for (let i = 0; i < offers.length; i++) {
    const m = match(ranges, offers[i]!)
    if (m === undefined || m.range.q === 0) continue
    const { range, spec } = m
    if (range.q > bestQ || (range.q === bestQ && (spec > bestSpec || (spec === bestSpec && range.order < bestOrder)))) {
      best = i
      bestQ = range.q
      bestSpec = spec
      bestOrder = range.order
    }
  }
  return best
}

function match(ranges: readonly MediaRange[], offer: string): { range: MediaRange; spec: number } | undefined {
  const semi = offer.indexOf(';')
  const mt = (semi === -1 ? offer : offer.slice(0, semi)).trim().toLowerCase()
  const slash = mt.indexOf('/')
  const type = mt.slice(0, slash)
  const subtype = mt.slice(slash + 1)
  let found: { range: MediaRange; spec: number } | undefined
  for (const r of ranges) {
    const spec = r.type === type ? (r.subtype === subtype ? 2 : r.subtype === '*' ? 1 : -1) : r.type === '*' && r.subtype === '*' ? 0 : -1
    if (spec > (found?.spec ?? -1)) found = { range: r, spec }
  }
  return found
}

/**
 * The content coding the client prefers among `available` (server order breaks ties), or `undefined` when
 * it accepts none of them (or sent no `Accept-Encoding`). `*` gives its weight to codings not listed;
 * `x-gzip` counts as `gzip` (RFC 9110 §12.5.3).
 *
 * @example
 * negotiateEncoding('gzip, br;q=0.9', ['br', 'gzip']) // 'gzip'
 */
export function negotiateEncoding(header: string | undefined, available: readonly string[]): string | undefined {
  if (header === undefined) return undefined
  const weights = new Map<string, number>()
  for (const part of header.split(',')) {
    const [name = '', ...params] = part.split(';')
    let coding = name.trim().toLowerCase()
    if (coding === 'x-gzip') coding = 'gzip'
    let q = 1
    for (const p of params) {
      const eq = p.indexOf('=')
      if (eq !== -1 && p.slice(0, eq).trim().toLowerCase() === 'q') q = Number(p.slice(eq + 1).trim())
    }
    if (coding !== '' && q >= 0 && q <= 1 && !weights.has(coding)) weights.set(coding, q)
  }
  let best: string | undefined
  let bestQ = 0
  for (const coding of available) {
    const q = weights.get(coding) ?? weights.get('*') ?? 0
    if (q > bestQ) {
      best = coding
      bestQ = q
    }
  }
  return best
}

/** The part of a response `Vary` needs: read and write a header. */
interface Headers {
  get(name: string): string | number | string[] | undefined
  set(name: string, value: string): unknown
}

/**
 * Adds a field name to the response's `Vary` (once, case-insensitively; `*` stays `*`).
 *
 * @example
 * addVary(c.res, 'Accept') // Vary: Accept-Encoding → Vary: Accept-Encoding, Accept
 */
export function addVary(res: Headers, field: string): void {
  const cur = res.get('vary')
  const text = Array.isArray(cur) ? cur.join(', ') : cur === undefined ? '' : String(cur)
  if (text === '') return void res.set('vary', field)
  const names = text.split(',').map((s) => s.trim().toLowerCase())
  if (names.includes('*') || names.includes(field.toLowerCase())) return
  res.set('vary', `${text}, ${field}`)
}
