/** The response being built: status, headers and body, readable and replaceable until `respond` writes it. */
import type { Logger, ResponseBody } from './types.js'

/** A header value as Node writes it; `Set-Cookie` is the usual list. */
export type HeaderValue = string | number | string[]

// RFC 9110 §5.1 token, and §5.5 field values without CR, LF or NUL.
const NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
const VALUE = /^[\t\x20-\x7e\x80-\xff]*$/

/**
 * The response state of a context (elton's Body/BodyBuffer split): handlers set it, middleware after
 * `await next()` read and replace it, and one `respond` step writes it once the chain has unwound.
 *
 * @example
 * app.use(async (c, next) => {
 *   await next()
 *   if (c.res.status === 404) c.res.body = 'nothing here'
 *   c.res.set('x-powered-by', 'weir')
 * })
 */
export class WeirResponse {
  /** The status code. Default 200 on a matched route. */
  status = 200
  /** Response headers, lower-case names. Prefer `set`/`get`, which validate and ignore case. */
  readonly headers: Record<string, HeaderValue> = {}
  /** The body: string, bytes, a stream or (async) iterable, or `null` for none. */
  body: ResponseBody = null
  /** Set to `true` when a handler writes to `c.raw.res` itself: `respond` then leaves it alone. */
  bypass = false
  /** `true` once `respond` has begun writing; later changes are logged and ignored. */
  sent = false
  readonly #log: Logger

  constructor(log: Logger) {
    this.#log = log
  }

  /** Reads a response header. */
  get(name: string): HeaderValue | undefined {
    const key = name.toLowerCase()
    return Object.hasOwn(this.headers, key) ? this.headers[key] : undefined
  }

  /** Whether a response header is set. */
  has(name: string): boolean {
    return Object.hasOwn(this.headers, name.toLowerCase())
  }

  /** Sets a response header, replacing any value; throws `TypeError` for a name or value that could split the header. */
  set(name: string, value: HeaderValue): this {
    if (this.sent) return this.late('set header', name)
    const key = checkName(name)
    if (Array.isArray(value)) for (const v of value) checkValue(key, v)
    else if (typeof value === 'string') checkValue(key, value)
    this.headers[key] = value
    return this
  }

  /** Adds a value to a response header, making it a list (for `Set-Cookie`, `Vary`-like fields use `set`). */
  append(name: string, value: string): this {
    if (this.sent) return this.late('append header', name)
    const key = checkName(name)
    checkValue(key, value)
    const prev = Object.hasOwn(this.headers, key) ? this.headers[key] : undefined
    if (prev === undefined) this.headers[key] = value
    else this.headers[key] = Array.isArray(prev) ? [...prev, value] : [String(prev), value]
    return this
  }

  /**
   * Adds a field to `Vary` unless it is listed already or `Vary` is `*` (RFC 9110 §12.5.5).
   *
   * @example
   * c.res.vary('Accept-Encoding')
   */
  vary(field: string): this {
    if (this.sent) return this.late('add to Vary', field)
    const cur = this.get('vary')
    if (cur === undefined) {
      this.headers.vary = field
      return this
    }
    const s = Array.isArray(cur) ? cur.join(', ') : String(cur)
    const lower = field.toLowerCase()
    if (s.split(',').some((v) => v.trim() === '*' || v.trim().toLowerCase() === lower)) return this
    this.headers.vary = `${s}, ${field}`
    return this
  }

  /** Removes a response header. */
  delete(name: string): this {
    if (this.sent) return this.late('delete header', name)
    delete this.headers[name.toLowerCase()]
    return this
  }

  /** Logs a write that came after the response started (a clear error, never a crash). */
  late(what: string, detail = ''): this {
    const err = Object.assign(new Error(`Cannot ${what} ${detail}: the response has already been sent`.replace('  ', ' ')), {
      code: 'ERR_RESPONSE_SENT',
    })
    this.#log.error({ err, code: 'ERR_RESPONSE_SENT' }, err.message)
    return this
  }
}

function checkName(name: string): string {
  if (!NAME.test(name)) throw new TypeError(`Invalid header name ${JSON.stringify(name)}`)
  const key = name.toLowerCase()
  if (key === '__proto__') throw new TypeError('Invalid header name "__proto__"')
  return key
}

function checkValue(key: string, value: string): void {
  if (!VALUE.test(value)) throw new TypeError(`Invalid value for header ${key}: control characters (CR, LF, NUL) are not allowed`)
}
