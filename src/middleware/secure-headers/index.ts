/** Security response headers with helmet's defaults: CSP, HSTS (HTTPS only), nosniff, frame and referrer policies. */
import type { Context } from '../../core/context.js'
import type { Middleware } from '../../core/types.js'

/** CSP directives by name (`default-src`, or camelCase `defaultSrc`); `[]` sends the bare directive. */
export type CspDirectives = Record<string, string | readonly string[] | ((c: Context) => string)>

/** Options of `Content-Security-Policy`. */
export interface CspOptions {
  /** Directives, merged over the defaults unless `useDefaults` is `false`; a `null` value removes a default. */
  directives?: Record<string, string | readonly string[] | ((c: Context) => string) | null>
  /** Start from {@link CSP_DEFAULTS}. Default `true`. */
  useDefaults?: boolean
  /** Send `Content-Security-Policy-Report-Only` instead. Default `false`. */
  reportOnly?: boolean
}

/** Options of `Strict-Transport-Security` (RFC 6797), sent on HTTPS requests only. */
export interface HstsOptions {
  /** Seconds. Default `31_536_000` (one year). */
  maxAge?: number
  /** Default `true`. */
  includeSubDomains?: boolean
  /** Default `false` (ask for it only once every subdomain is HTTPS). */
  preload?: boolean
}

/**
 * Options of {@link secureHeaders}: `false` drops a header, a string replaces its value. Values are checked
 * against the specs when the middleware is built; an unknown one is a `TypeError` naming the allowed ones.
 */
export interface SecureHeadersOptions {
  /** Default: {@link CSP_DEFAULTS}. */
  contentSecurityPolicy?: boolean | CspOptions
  /** Default: one year, includeSubDomains; on HTTPS (`c.req.protocol`) only. Unknown keys are refused. */
  strictTransportSecurity?: boolean | HstsOptions
  /** Default `'nosniff'` (the only value). */
  xContentTypeOptions?: false | 'nosniff'
  /** Default `'SAMEORIGIN'` (CSP's `frame-ancestors 'self'` says the same to modern browsers); or `'DENY'`. Upper case. */
  xFrameOptions?: false | 'DENY' | 'SAMEORIGIN'
  /**
   * Default `'no-referrer'`. A token of the W3C Referrer Policy spec (`no-referrer`,
   * `no-referrer-when-downgrade`, `same-origin`, `origin`, `strict-origin`, `origin-when-cross-origin`,
   * `strict-origin-when-cross-origin`, `unsafe-url`), or a list of them (a browser uses the last it knows).
   */
  referrerPolicy?: false | string | readonly string[]
  /** Default `'same-origin'`; or `'unsafe-none'`, `'same-origin-allow-popups'`, `'noopener-allow-popups'` (may add `; report-to="…"`). */
  crossOriginOpenerPolicy?: false | string
  /** Default `'same-origin'`; or `'same-site'`, `'cross-origin'`. */
  crossOriginResourcePolicy?: false | string
  /** Default off; `'require-corp'` or `'credentialless'` for cross-origin isolation, or `'unsafe-none'` (may add `; report-to="…"`). */
  crossOriginEmbedderPolicy?: false | string
  /** Default `'?1'`; or `'?0'`. */
  originAgentCluster?: false | string
  /** Default `'off'`. */
  xDnsPrefetchControl?: false | 'on' | 'off'
  /** Default `'none'`; or `'master-only'`, `'by-content-type'`, `'all'`. */
  xPermittedCrossDomainPolicies?: false | string
  /** Default `'0'`: the legacy XSS auditor did more harm than good. */
  xXssProtection?: false | string
  /** Response headers removed after the handler. Default `['x-powered-by']`. */
  remove?: readonly string[]
  /** Leave this request alone. */
  skip?: (c: Context) => boolean
}

/**
 * helmet's default CSP directives.
 *
 * @example
 * secureHeaders({ contentSecurityPolicy: { useDefaults: false, directives: { ...CSP_DEFAULTS, 'img-src': ['*'] } } })
 */
export const CSP_DEFAULTS: Readonly<Record<string, readonly string[]>> = {
  'default-src': ["'self'"],
  'base-uri': ["'self'"],
  'font-src': ["'self'", 'https:', 'data:'],
  'form-action': ["'self'"],
  'frame-ancestors': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'object-src': ["'none'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  'style-src': ["'self'", 'https:', "'unsafe-inline'"],
  'upgrade-insecure-requests': [],
}

const SIMPLE: ReadonlyArray<[keyof SecureHeadersOptions, string, string | undefined]> = [
  ['xContentTypeOptions', 'x-content-type-options', 'nosniff'],
  ['xFrameOptions', 'x-frame-options', 'SAMEORIGIN'],
  ['referrerPolicy', 'referrer-policy', 'no-referrer'],
  ['crossOriginOpenerPolicy', 'cross-origin-opener-policy', 'same-origin'],
  ['crossOriginResourcePolicy', 'cross-origin-resource-policy', 'same-origin'],
  ['crossOriginEmbedderPolicy', 'cross-origin-embedder-policy', undefined],
  ['originAgentCluster', 'origin-agent-cluster', '?1'],
  ['xDnsPrefetchControl', 'x-dns-prefetch-control', 'off'],
  ['xPermittedCrossDomainPolicies', 'x-permitted-cross-domain-policies', 'none'],
  ['xXssProtection', 'x-xss-protection', '0'],
]

// The values each spec defines; compared case-sensitively, as browsers compare most of them.
const ALLOWED: Partial<Record<keyof SecureHeadersOptions, readonly string[]>> = {
  // WHATWG MIME Sniffing / Fetch: "nosniff" is the only value.
  xContentTypeOptions: ['nosniff'],
  // HTML, "The X-Frame-Options header" (ALLOW-FROM is obsolete and ignored by browsers).
  xFrameOptions: ['DENY', 'SAMEORIGIN'],
  // W3C Referrer Policy §3.
  referrerPolicy: [
    'no-referrer',
    'no-referrer-when-downgrade',
    'same-origin',
    'origin',
    'strict-origin',
    'origin-when-cross-origin',
    'strict-origin-when-cross-origin',
    'unsafe-url',
  ],
  // HTML, "Cross-origin opener policies".
  crossOriginOpenerPolicy: ['unsafe-none', 'same-origin-allow-popups', 'same-origin', 'noopener-allow-popups'],
  // HTML, "Cross-origin embedder policies".
  crossOriginEmbedderPolicy: ['unsafe-none', 'require-corp', 'credentialless'],
  // Fetch, "Cross-Origin-Resource-Policy header".
  crossOriginResourcePolicy: ['same-site', 'same-origin', 'cross-origin'],
  // HTML, "Origin-keyed agent clusters": a structured-field boolean.
  originAgentCluster: ['?1', '?0'],
  xDnsPrefetchControl: ['on', 'off'],
  // Adobe cross-domain policy file specification, as helmet lists it.
  xPermittedCrossDomainPolicies: ['none', 'master-only', 'by-content-type', 'all'],
}

// COOP and COEP are structured-field tokens that may carry a report-to endpoint (HTML).
const REPORT_TO = /^([a-z-]+)\s*;\s*report-to="[^"\\]*"$/

const VALUE = /^[\x20-\x7e]*$/

/**
 * Sets security headers before the handler runs (so error answers carry them too, and a handler can
 * still override one), and removes `X-Powered-By` after. Values are checked once, when built.
 *
 * @example
 * import { secureHeaders } from 'weir/secure-headers'
 * app.use(secureHeaders())
 * app.use(secureHeaders({ contentSecurityPolicy: { directives: { 'img-src': ["'self'", 'https://cdn.example.com'] } } }))
 */
export function secureHeaders(options: SecureHeadersOptions = {}): Middleware {
  const fixed = simpleHeaders(options)
  const csp = cspBuilder(options.contentSecurityPolicy ?? true)
  const hsts = hstsValue(options.strictTransportSecurity ?? true)
  const remove = (options.remove ?? ['x-powered-by']).map((h) => h.toLowerCase())
  const skip = options.skip
  return async function secureHeaders(c, next) {
    if (skip?.(c)) return next()
    const headers = c.res.headers
    for (const [name, value] of fixed) headers[name] = value
    if (csp !== undefined) headers[csp.name] = csp.value(c)
    if (hsts !== undefined && c.req.protocol === 'https') headers['strict-transport-security'] = hsts
    await next()
    if (!c.res.sent) for (const name of remove) delete c.res.headers[name]
  }
}

function simpleHeaders(o: SecureHeadersOptions): Array<[string, string]> {
  const out: Array<[string, string]> = []
  for (const [key, name, dflt] of SIMPLE) {
    const v = o[key] ?? dflt
    if (v === undefined || v === false) continue
    out.push([name, checkValue(key, v)])
  }
  return out
}

/** The header value for an option, or a TypeError naming the option and what it allows. */
function checkValue(key: keyof SecureHeadersOptions, v: unknown): string {
  const allowed = ALLOWED[key]
  if (key === 'referrerPolicy') {
    // W3C Referrer Policy §4.1: `Referrer-Policy: 1#policy-token`, so a fallback list is fine.
    const tokens = typeof v === 'string' ? v.split(',').map((t) => t.trim()) : Array.isArray(v) ? v : [undefined]
    if (tokens.length > 0 && tokens.every((t) => typeof t === 'string' && allowed!.includes(t))) return tokens.join(', ')
  } else if (typeof v === 'string' && VALUE.test(v)) {
    if (allowed === undefined || allowed.includes(v)) return v
    const param = REPORT_TO.exec(v)
    if (param && (key === 'crossOriginOpenerPolicy' || key === 'crossOriginEmbedderPolicy') && allowed.includes(param[1]!)) return v
  }
  const what = allowed ? `one of ${allowed.map((a) => `'${a}'`).join(', ')}${key === 'referrerPolicy' ? ' (or a list of them)' : ''}` : 'a header-safe string'
  throw new TypeError(`secureHeaders: ${key} must be false or ${what}, got ${JSON.stringify(v)}`)
}

const HSTS_KEYS = ['maxAge', 'includeSubDomains', 'preload']

function hstsValue(o: boolean | HstsOptions): string | undefined {
  if (o === false) return undefined
  if (o !== true && (typeof o !== 'object' || o === null || Array.isArray(o))) {
    throw new TypeError(`secureHeaders: strictTransportSecurity must be a boolean or { ${HSTS_KEYS.join(', ')} }, got ${JSON.stringify(o)}`)
  }
  const unknown = o === true ? [] : Object.keys(o).filter((k) => !HSTS_KEYS.includes(k))
  if (unknown.length > 0) throw new TypeError(`secureHeaders: strictTransportSecurity has unknown option ${unknown.join(', ')}; allowed: ${HSTS_KEYS.join(', ')}`)
  const { maxAge = 31_536_000, includeSubDomains = true, preload = false } = o === true ? {} : o
  if (!Number.isInteger(maxAge) || maxAge < 0) throw new TypeError(`secureHeaders: strictTransportSecurity.maxAge must be a non-negative integer, got ${maxAge}`)
  for (const [k, b] of [['includeSubDomains', includeSubDomains], ['preload', preload]] as const) {
    if (typeof b !== 'boolean') throw new TypeError(`secureHeaders: strictTransportSecurity.${k} must be a boolean, got ${JSON.stringify(b)}`)
  }
  // RFC 6797 / hstspreload.org: preload needs includeSubDomains and at least a year.
  if (preload && (!includeSubDomains || maxAge < 31_536_000)) throw new TypeError('secureHeaders: HSTS preload needs includeSubDomains and maxAge ≥ 31536000')
  return `max-age=${maxAge}${includeSubDomains ? '; includeSubDomains' : ''}${preload ? '; preload' : ''}`
}

function cspBuilder(o: boolean | CspOptions): { name: string; value: (c: Context) => string } | undefined {
  if (o === false) return undefined
  const { directives = {}, useDefaults = true, reportOnly = false } = o === true ? {} : o
  const merged: Record<string, CspDirectives[string]> = useDefaults ? { ...CSP_DEFAULTS } : {}
  for (const [k, v] of Object.entries(directives)) {
    const name = k.replace(/[A-Z]/g, (ch) => `-${ch.toLowerCase()}`)
    if (!/^[a-z-]+$/.test(name)) throw new TypeError(`secureHeaders: bad CSP directive name ${JSON.stringify(k)}`)
    if (v === null) delete merged[name]
    else merged[name] = v
  }
  const parts: Array<string | ((c: Context) => string)> = []
  for (const [name, v] of Object.entries(merged)) {
    if (typeof v === 'function') parts.push((c) => `${name} ${checkCsp(name, v(c))}`)
    else parts.push(cspDirective(name, v))
  }
  const name = reportOnly ? 'content-security-policy-report-only' : 'content-security-policy'
  if (parts.every((p) => typeof p === 'string')) {
    const value = parts.join('; ')
    return { name, value: () => value }
  }
  // A function directive (a per-request nonce, say) is computed and checked for each request.
  return { name, value: (c) => parts.map((p) => (typeof p === 'string' ? p : p(c))).join('; ') }
}

function cspDirective(name: string, v: string | readonly string[]): string {
  const values = typeof v === 'string' ? [v] : v
  if (!Array.isArray(values)) throw new TypeError(`secureHeaders: CSP ${name} must be a string, a list or a function`)
  for (const s of values) checkCsp(name, s)
  return values.length === 0 ? name : `${name} ${values.join(' ')}`
}

// CSP values may not contain ";" or "," (they separate directives and policies) nor control characters.
function checkCsp(name: string, s: unknown): string {
  if (typeof s !== 'string' || !VALUE.test(s) || /[;,]/.test(s)) throw new TypeError(`secureHeaders: bad CSP value for ${name}: ${JSON.stringify(s)}`)
  return s
}
