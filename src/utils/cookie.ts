/** Cookie parsing and serialisation (RFC 6265), small enough to keep the core dependency-free. */

/** Options of a `Set-Cookie` header. */
export interface CookieOptions {
  /** Default `/`. */
  path?: string
  domain?: string
  /** Seconds; `0` deletes the cookie. */
  maxAge?: number
  expires?: Date
  /** Default `true`: scripts in the page cannot read it. */
  httpOnly?: boolean
  /** Default `false`; `true` is required with `sameSite: 'None'`. */
  secure?: boolean
  /** Default `Lax`. */
  sameSite?: 'Strict' | 'Lax' | 'None'
  partitioned?: boolean
  /** Default `encodeURIComponent`. */
  encode?: (value: string) => string
}

// RFC 6265 §4.1.1: cookie-name is an RFC 9110 token.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
// Attribute values must not end the attribute or the header.
const ATTR = /^[\x21-\x3a\x3c-\x7e]+$/

/** Parses a `Cookie` header into a null-prototype record; the first occurrence of a name wins. */
export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = Object.create(null)
  if (!header) return out
  let start = 0
  while (start < header.length) {
    let end = header.indexOf(';', start)
    if (end === -1) end = header.length
    const eq = header.indexOf('=', start)
    if (eq !== -1 && eq < end) {
      const name = header.slice(start, eq).trim()
      if (name && !(name in out)) out[name] = decode(unquote(header.slice(eq + 1, end).trim()))
    }
    start = end + 1
  }
  return out
}

function unquote(v: string): string {
  return v.length > 1 && v.charCodeAt(0) === 34 && v.charCodeAt(v.length - 1) === 34 ? v.slice(1, -1) : v
}

function decode(v: string): string {
  if (v.indexOf('%') === -1) return v
  try {
    return decodeURIComponent(v)
  } catch {
    return v
  }
}

/**
 * Serialises a `Set-Cookie` value; throws `TypeError` for a name or attribute that could break the header.
 *
 * @example
 * serializeCookie('sid', 'abc', { maxAge: 3600, secure: true }) // 'sid=abc; Max-Age=3600; Path=/; HttpOnly; Secure; SameSite=Lax'
 */
export function serializeCookie(name: string, value: string, opts: CookieOptions = {}): string {
  if (!TOKEN.test(name)) throw new TypeError(`Cookie name ${JSON.stringify(name)} is not a valid token`)
  const v = (opts.encode ?? encodeURIComponent)(value)
  if (v && !ATTR.test(v)) throw new TypeError(`Cookie value for ${name} contains characters a header cannot carry`)
  let s = `${name}=${v}`
  if (opts.maxAge !== undefined) {
    if (!Number.isFinite(opts.maxAge)) throw new TypeError('Cookie maxAge must be a finite number of seconds')
    s += `; Max-Age=${Math.floor(opts.maxAge)}`
  }
  if (opts.domain !== undefined) s += `; Domain=${attr('domain', opts.domain)}`
  s += `; Path=${attr('path', opts.path ?? '/')}`
  if (opts.expires !== undefined) s += `; Expires=${opts.expires.toUTCString()}`
  if (opts.httpOnly ?? true) s += '; HttpOnly'
  if (opts.secure) s += '; Secure'
  s += `; SameSite=${opts.sameSite ?? 'Lax'}`
  if (opts.partitioned) s += '; Partitioned'
  return s
}

function attr(name: string, v: string): string {
  if (!ATTR.test(v)) throw new TypeError(`Cookie ${name} ${JSON.stringify(v)} contains characters a header cannot carry`)
  return v
}
