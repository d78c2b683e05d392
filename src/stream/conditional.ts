/** Conditional and range requests against a representation's validators (RFC 9110 §13 and §14). */
import type { IncomingHttpHeaders } from 'node:http'

/**
 * An inclusive byte range.
 *
 * @example
 * const first100: ByteRange = { start: 0, end: 99 }
 */
export interface ByteRange {
  start: number
  end: number
}

/**
 * A representation's validators, as sent in `ETag` and `Last-Modified`.
 *
 * @example
 * const v: Validators = { etag: '"44c-1"', lastModified: 'Wed, 01 Jan 2025 00:00:00 GMT' }
 */
export interface Validators {
  etag?: string | undefined
  lastModified?: string | undefined
}

/**
 * Parses a `Range` header for a representation of `size` bytes (RFC 9110 §14.1.2), with the results of
 * the `range-parser` package in `combine` mode: overlapping or adjacent ranges are merged (kept in the
 * order they were asked). `-1`: nothing satisfiable (answer 416); `-2`: malformed, not `bytes`, or more
 * than `maxRanges` ranges (ignore the header and send everything).
 *
 * @example
 * parseRange(1000, 'bytes=0-99, -100') // [{ start: 0, end: 99 }, { start: 900, end: 999 }]
 * parseRange(1000, 'bytes=2000-')      // -1
 */
export function parseRange(size: number, header: string, maxRanges = 100): ByteRange[] | -1 | -2 {
  const eq = header.indexOf('=')
  if (eq === -1 || header.slice(0, eq).trim().toLowerCase() !== 'bytes') return -2
  const parts = header.slice(eq + 1).split(',')
  if (parts.length > maxRanges) return -2
  const ranges: ByteRange[] = []
  for (const part of parts) {
    const dash = part.indexOf('-')
    if (dash === -1) return -2
    const a = part.slice(0, dash).trim()
    const b = part.slice(dash + 1).trim()
    let start = digits(a)
    let end = digits(b)
    if (a === '') {
      start = size - end
      end = size - 1
    } else if (b === '') end = size - 1
    if (end > size - 1) end = size - 1
    if (Number.isNaN(start) || Number.isNaN(end)) return -2
    if (start > end || start < 0) continue
    ranges.push({ start, end })
  }
  return ranges.length === 0 ? -1 : combine(ranges)
}

function digits(s: string): number {
  return /^\d+$/.test(s) ? Number(s) : Number.NaN
}

function combine(ranges: ByteRange[]): ByteRange[] {
  if (ranges.length === 1) return ranges
  const ordered = ranges.map((r, index) => ({ ...r, index })).sort((x, y) => x.start - y.start)
  let j = 0
  for (let i = 1; i < ordered.length; i++) {
    const r = ordered[i]!
    const cur = ordered[j]!
    if (r.start > cur.end + 1) ordered[++j] = r
    else if (r.end > cur.end) {
      cur.end = r.end
      cur.index = Math.min(cur.index, r.index)
    }
  }
  ordered.length = j + 1
  return ordered.sort((x, y) => x.index - y.index).map(({ start, end }) => ({ start, end }))
}

/**
 * Whether a GET/HEAD can be answered 304 (RFC 9110 §13.1.2–§13.1.3), as the `fresh` package decides:
 * `If-None-Match` (weak comparison, `*`) wins over `If-Modified-Since`; `Cache-Control: no-cache` in the
 * request forces a full answer.
 *
 * @example
 * isFresh({ 'if-none-match': 'W/"1"' }, { etag: '"1"' }) // true
 */
export function isFresh(req: IncomingHttpHeaders, v: Validators): boolean {
  const since = req['if-modified-since']
  const noneMatch = req['if-none-match']
  if (!since && !noneMatch) return false
  const cc = req['cache-control']
  if (cc && /(?:^|,)\s*?no-cache\s*?(?:,|$)/.test(cc)) return false
  if (noneMatch) {
    if (noneMatch === '*') return true
    if (!v.etag) return false
    return tokens(noneMatch).some((t) => t === v.etag || t === `W/${v.etag}` || `W/${t}` === v.etag)
  }
  return v.lastModified !== undefined && Date.parse(v.lastModified) <= Date.parse(since!)
}

/**
 * Whether `If-Match` or `If-Unmodified-Since` fails, which is answered 412 (RFC 9110 §13.1.1, §13.1.4;
 * `If-Match` uses the strong comparison, so a weak ETag never matches).
 *
 * @example
 * preconditionFails({ 'if-match': '"2"' }, { etag: '"1"' }) // true
 */
export function preconditionFails(req: IncomingHttpHeaders, v: Validators): boolean {
  const match = req['if-match']
  if (match !== undefined) {
    if (match.trim() === '*') return false
    return !(v.etag !== undefined && !v.etag.startsWith('W/') && tokens(match).includes(v.etag))
  }
  const since = req['if-unmodified-since']
  if (since === undefined || v.lastModified === undefined) return false
  const t = Date.parse(since)
  return !Number.isNaN(t) && Date.parse(v.lastModified) > t
}

/**
 * Whether a `Range` request should be honoured given its `If-Range` (RFC 9110 §13.1.5): an ETag must match
 * strongly, a date must equal `Last-Modified`; otherwise the whole representation is sent.
 *
 * @example
 * rangeApplies('"abc"', { etag: '"abc"' }) // true
 */
export function rangeApplies(ifRange: string | undefined, v: Validators): boolean {
  if (ifRange === undefined) return true
  const s = ifRange.trim()
  if (s.startsWith('"') || s.startsWith('W/')) return v.etag !== undefined && !v.etag.startsWith('W/') && s === v.etag
  return v.lastModified !== undefined && Date.parse(s) === Date.parse(v.lastModified)
}

// RFC 9110 §15.4.5: a 304 keeps Cache-Control, Content-Location, Date, ETag, Expires and Vary; the other
// representation metadata (§8.3–§8.6), framing and range fields go. Accept-Ranges goes too, as nginx drops it.
const NOT_FOR_304 = ['content-type', 'content-length', 'content-encoding', 'content-language', 'content-range', 'transfer-encoding', 'accept-ranges']

/**
 * Removes from a response's headers (lower-case names) what a 304 must not carry (RFC 9110 §15.4.5), and
 * `Last-Modified` when an `ETag` is there (metadata only to guide cache updates, as Go's `ServeContent`
 * decides). Cookies, CORS and your own headers stay.
 *
 * @example
 * notModifiedHeaders(c.res.headers)
 */
export function notModifiedHeaders(headers: Record<string, unknown>): void {
  for (const name of NOT_FOR_304) delete headers[name]
  if (headers.etag !== undefined) delete headers['last-modified']
}

function tokens(list: string): string[] {
  return list.split(',').map((t) => t.trim())
}
