/** Turns an error into a response on the context: status, headers and a JSON or text body by `Accept`. */
import { HttpError } from '../errors.js'
import type { Context } from './context.js'

/** Normalises anything thrown into an Error (a thrown string or object becomes an `Error`'s message). */
export function toError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown
  return new Error(typeof thrown === 'string' ? thrown : `Non-error thrown: ${safeString(thrown)}`)
}

/** The HttpError view of an error: its own status and code, or a 500 with `ERR_INTERNAL`. */
export function toHttpError(err: Error): HttpError {
  if (err instanceof HttpError) return err
  return new HttpError(500, err.message, { code: 'ERR_INTERNAL', expose: false, cause: err })
}

/**
 * Replaces the response with an error response. Body headers of the failed response are dropped;
 * the error's own headers (`Allow`, `Retry-After`) are set. In release mode an internal error's message
 * is replaced by the status text; in debug mode the stack is included.
 */
export function sendError(c: Context, err: Error): void {
  const http = toHttpError(err)
  const res = c.res
  for (const h of BODY_HEADERS) delete res.headers[h]
  if (http.headers) for (const [k, v] of Object.entries(http.headers)) res.set(k, v)
  const message = http.expose || c.mode !== 'release' ? http.message : 'Internal Server Error'
  const stack = c.mode === 'debug' && http.status >= 500 ? (http.cause instanceof Error ? http.cause : http).stack : undefined
  c.status(http.status)
  if (prefersJson(c.req.header('accept'))) {
    c.json({ status: http.status, code: http.code, message, details: http.details, stack })
  } else {
    c.text(`${http.status} ${http.code}: ${message}${stack ? `\n\n${stack}` : ''}\n`)
  }
}

const BODY_HEADERS = ['content-type', 'content-length', 'content-encoding', 'content-range', 'etag', 'last-modified']

/** JSON unless the client asks for text or HTML without mentioning JSON (curl's `*\/*` gets JSON). */
export function prefersJson(accept: string | undefined): boolean {
  if (!accept || accept.includes('json') || accept.startsWith('*/*')) return true
  return !(accept.includes('text/') || accept.includes('html'))
}

function safeString(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v)
  } catch {
    return String(v)
  }
}
