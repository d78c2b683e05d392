/**
 * Every error answer in the RealWorld shape, made in one place (`app.onError`):
 * `{ "errors": { "<field or body>": ["<message>"] }, "code": "ERR_…" }`.
 */
import { type Context, HttpError } from '../../src/index.js'
import type { ValidationIssue } from '../../src/middleware/validate/index.js'
import { UniqueViolation } from './db/index.js'

/** The messages of an error answer, by field (`email`, `limit`) or `body` for the request as a whole. */
export type FieldErrors = Record<string, string[]>

/**
 * An HttpError whose messages belong to fields: `{"errors":{"email":["has already been taken"]}}`.
 *
 * @example
 * throw fieldError(401, 'ERR_LOGIN_FAILED', 'email or password', 'is invalid')
 */
export function fieldError(status: number, code: string, field: string, message: string): HttpError {
  return new HttpError(status, `${field} ${message}`, { code, details: { [field]: [message] } satisfies FieldErrors })
}

/**
 * 404 for a missing article, profile or comment.
 *
 * @example
 * if (article === undefined) throw notFound('article', slug)
 */
export function notFound(what: 'article' | 'profile' | 'comment', key: string | number): HttpError {
  return new HttpError(404, `No ${what} ${JSON.stringify(String(key))}`, { code: `ERR_${what.toUpperCase()}_NOT_FOUND` })
}

/**
 * 403 for a change to something that belongs to someone else.
 *
 * @example
 * if (article.authorId !== me) throw forbidden('article')
 */
export function forbidden(what: 'article' | 'comment'): HttpError {
  return new HttpError(403, `Only the author may change this ${what}`, { code: 'ERR_NOT_AUTHOR' })
}

/**
 * The app's `onError` hook: any error becomes the RealWorld shape — those `recover()` catches and weir's own
 * 404 and 405 included. HttpErrors keep their status (401, 403, 404, 405, 413, 422 from `validate()`, …) and
 * headers (`WWW-Authenticate`, `Allow`); a validation failure gets a message per field. A UNIQUE constraint
 * of the data layer (a username or e-mail taken, also under a race) is 422 on its column — weir then logs it
 * at debug and reports it as the client's error (`http`), not as a bug. Anything else is a 500 whose message
 * is hidden in release mode.
 *
 * @example
 * app.onError(answerError)
 */
export function answerError(err: Error, c: Context): unknown {
  const { status, code, errors, headers } = describe(err, c.mode === 'release')
  for (const [name, value] of Object.entries(headers ?? {})) c.header(name, value)
  return c.json({ errors, code }, status)
}

interface Answer {
  status: number
  code: string
  errors: FieldErrors
  headers?: Record<string, string>
}

function describe(err: Error, release: boolean): Answer {
  if (err instanceof UniqueViolation) return { status: 422, code: 'ERR_TAKEN', errors: { [err.column]: ['has already been taken'] } }
  if (!(err instanceof HttpError)) return { status: 500, code: 'ERR_INTERNAL', errors: { body: [release ? 'Internal Server Error' : err.message] } }
  if (err.code === 'ERR_VALIDATION') return { status: err.status, code: err.code, errors: byField(err.details as ValidationIssue[]) }
  const message = err.expose || !release ? err.message : 'Internal Server Error'
  return { status: err.status, code: err.code, errors: isFieldErrors(err.details) ? err.details : { body: [message] }, headers: err.headers }
}

/** `body.user.email: Invalid email` → `{ email: ['Invalid email'] }`; an issue about a whole part → `body`. */
function byField(issues: ValidationIssue[]): FieldErrors {
  const errors: FieldErrors = {}
  for (const issue of issues) {
    const key = issue.path.findLast((p) => typeof p === 'string') ?? (issue.in === 'body' ? 'body' : issue.in)
    const field = String(key)
    if (Object.hasOwn(errors, field)) errors[field]?.push(issue.message)
    else errors[field] = [issue.message]
  }
  return errors
}

function isFieldErrors(details: unknown): details is FieldErrors {
  return typeof details === 'object' && details !== null && Object.values(details).every((v) => Array.isArray(v))
}
