/** What the inspector answers under its path: the page, its script and style, the list, one request, the live feed. */
import { timingSafeEqual } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { Context } from '../../core/context.js'
import { HttpError } from '../../errors.js'
import type { Ring } from './buffer.js'
import { type Entry, detail, summary } from './entry.js'
import type { Hub } from './hub.js'

/** The cookie that carries the token after the page was opened with `?token=`. */
const COOKIE = 'weir-inspector'

const ASSETS: Record<string, string> = {
  '/inspector.js': 'text/javascript; charset=utf-8',
  '/inspector.css': 'text/css; charset=utf-8',
}

/** What the handlers share. */
export interface Served {
  readonly base: string
  readonly token: string | undefined
  readonly ring: Ring<Entry>
  readonly hub: Hub
  readonly maxBodySize: number
  readonly inFlight: () => number
}

const files = new Map<string, string>()

/** A file of page/, read once (the build copies page/ next to the compiled module). */
function pageFile(name: string): string {
  let text = files.get(name)
  if (text === undefined) {
    try {
      text = readFileSync(new URL(`./page/${name}`, import.meta.url), 'utf8')
    } catch (err) {
      throw new HttpError(500, `inspector(): its page file ${name} is missing next to the module (was page/ copied by the build?)`, {
        code: 'ERR_INSPECTOR_PAGE_MISSING',
        cause: err,
      })
    }
    files.set(name, text)
  }
  return text
}

/**
 * Loopback clients (by `c.req.ip`, which honours `trustProxy`) asking for a loopback `Host`, or anyone presenting the token: as a
 * `Bearer` token, `?token=`, or the cookie the page sets.
 */
export function allowed(c: Context, token: string | undefined): boolean {
  if (token !== undefined) {
    const given = bearer(c) ?? c.req.query.token ?? c.req.cookies[COOKIE]
    if (given !== undefined && same(given, token)) return true
  }
  return isLoopback(c.req.ip) && isLoopbackHost(c.req.header('host'))
}

/**
 * A `Host` naming this machine (`localhost`, `*.localhost`, 127.x, `[::1]`, any port): a page on another
 * site whose name was re-pointed at 127.0.0.1 (DNS rebinding) sends its own name, and is refused.
 *
 * @example
 * isLoopbackHost('localhost:3000') // true
 * isLoopbackHost('evil.example')   // false
 */
export function isLoopbackHost(host: string | undefined): boolean {
  if (host === undefined) return false
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':', 1)[0]!
  const n = name.toLowerCase()
  return n === 'localhost' || n.endsWith('.localhost') || n === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(n)
}

function bearer(c: Context): string | undefined {
  const h = c.req.header('authorization')
  return h !== undefined && /^bearer /i.test(h) ? h.slice(7).trim() : undefined
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/**
 * 127.0.0.0/8, ::1 and their IPv4-mapped forms.
 *
 * @example
 * isLoopback('::ffff:127.0.0.1') // true
 */
export function isLoopback(ip: string): boolean {
  return ip === '::1' || ip.startsWith('127.') || ip.startsWith('::ffff:127.')
}

/** Answers a request under the inspector's path (already allowed). */
export function serve(c: Context, s: Served, rest: string): unknown {
  if (c.req.method !== 'GET' && c.req.method !== 'HEAD') throw notFound(rest)
  c.header('cache-control', 'no-store')
  if (rest === '' || rest === '/') return page(c, s)
  const asset = ASSETS[rest]
  if (asset !== undefined) return c.header('content-type', asset).body(pageFile(rest.slice(1)))
  if (rest === '/api/requests') return c.json(list(c, s))
  if (rest === '/api/events') return c.sse((stream) => s.hub.serve(stream), { heartbeat: 15_000 })
  const m = /^\/api\/requests\/(\d{1,15})$/.exec(rest)
  if (m !== null) {
    const e = s.ring.get(Number(m[1]))
    if (e === undefined) throw new HttpError(404, `No request ${m[1]} in the inspector's buffer (it keeps the latest ones)`, { code: 'ERR_INSPECTOR_UNKNOWN_REQUEST' })
    return c.json(detail(e, s.maxBodySize))
  }
  throw notFound(rest)
}

function notFound(rest: string): HttpError {
  return new HttpError(404, `The inspector has nothing at ${JSON.stringify(rest)}`, { code: 'ERR_INSPECTOR_NOT_FOUND' })
}

function page(c: Context, s: Served): unknown {
  // Opened with ?token=: keep it in a cookie for the script, style and API requests.
  if (s.token !== undefined && c.req.query.token !== undefined && same(c.req.query.token, s.token)) {
    c.cookie(COOKIE, s.token, { path: s.base, httpOnly: true, sameSite: 'Strict' })
  }
  c.header('content-security-policy', "default-src 'self'; img-src 'self' data:; connect-src 'self'")
  return c.html(pageFile('index.html').replaceAll('%BASE%', escapeHtml(s.base)))
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`)

/** The requests held, newest first, filtered by `?status=4` (class), `?route=`, `?q=` (path or bodies). */
function list(c: Context, s: Served): object {
  const { status, route, q } = c.req.query
  const needle = q?.toLowerCase()
  const out = []
  for (const e of s.ring.newestFirst()) {
    if (status !== undefined && status !== '' && String(Math.floor((e.status ?? 0) / 100)) !== status) continue
    if (route !== undefined && route !== '' && e.route !== route) continue
    if (needle !== undefined && needle !== '' && !matches(e, needle, s.maxBodySize)) continue
    out.push(summary(e))
  }
  return { requests: out, inFlight: s.inFlight(), bodyBytes: s.ring.bytes }
}

// Searches what the page would show: the path and the redacted bodies (a secret is not findable).
function matches(e: Entry, needle: string, max: number): boolean {
  if (e.path.toLowerCase().includes(needle)) return true
  const d = detail(e, max) as { requestBody: { text?: string }; responseBody: { text?: string } }
  return [d.requestBody.text, d.responseBody.text].some((t) => t?.toLowerCase().includes(needle))
}
