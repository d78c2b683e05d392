/** The error type of weir and the catalogue of its stable error codes (fastify's `lib/errors.js` idea). */

/** Options of an {@link HttpError} beyond status and message. */
export interface HttpErrorOptions {
  /** Stable machine-readable code, `ERR_<AREA>_<REASON>`. Default: `ERR_HTTP_<status>`. */
  code?: string
  /** Whether the message may be shown to the client. Default: `true` below 500, `false` from 500. */
  expose?: boolean
  /** The underlying error. */
  cause?: unknown
  /** Headers to send with the error response (`Allow`, `Retry-After`, …). */
  headers?: Record<string, string>
  /** Extra machine-readable details sent with the error (validation issues, …). */
  details?: unknown
}

/**
 * An error with an HTTP status and a stable code. Thrown anywhere in a handler or middleware, it becomes
 * a response with that status; anything else thrown becomes a 500.
 *
 * @example
 * throw new HttpError(403, 'Only admins may delete users', { code: 'ERR_AUTH_FORBIDDEN' })
 */
export class HttpError extends Error {
  readonly status: number
  readonly code: string
  readonly expose: boolean
  readonly headers: Record<string, string> | undefined
  readonly details: unknown

  constructor(status: number, message?: string, options: HttpErrorOptions = {}) {
    super(message ?? STATUS_TEXT[status] ?? `HTTP ${status}`, { cause: options.cause })
    if (!Number.isInteger(status) || status < 400 || status > 599) {
      throw new TypeError(`HttpError status must be an integer from 400 to 599, got ${status}`)
    }
    this.name = 'HttpError'
    this.status = status
    this.code = options.code ?? `ERR_HTTP_${status}`
    this.expose = options.expose ?? status < 500
    this.headers = options.headers
    this.details = options.details
  }
}

/** An entry of the error catalogue. */
export interface ErrorSpec {
  readonly status: number
  readonly message: string
}

/** Every error code weir itself raises, with its status and default message. */
export const ERRORS = {
  ERR_NOT_FOUND: { status: 404, message: 'No route matches this path' },
  ERR_METHOD_NOT_ALLOWED: { status: 405, message: 'This path does not accept this method; see the Allow header' },
  ERR_BAD_PERCENT_ENCODING: { status: 400, message: 'A path parameter has a malformed percent-escape' },
  ERR_PARAM_TOO_LONG: { status: 414, message: 'A path parameter is longer than the router allows (maxParamLength)' },
  ERR_DUPLICATE_HOST: { status: 400, message: 'The request has more than one Host header (RFC 9112 §3.2)' },
  ERR_HTTP_VERSION: { status: 505, message: 'Only HTTP/1.0 and HTTP/1.1 are served here' },
  ERR_BAD_REQUEST: { status: 400, message: 'The request could not be parsed' },
  ERR_HEADERS_TOO_LARGE: { status: 431, message: 'The request head is larger than the server accepts (maxHeaderSize)' },
  ERR_REQUEST_TIMEOUT: { status: 408, message: 'The request was not received in time' },
  ERR_TOO_MANY_HEADERS: { status: 431, message: 'The request has more header fields than the server accepts (maxHeadersCount)' },
  ERR_SERVER_CLOSING: { status: 503, message: 'The server is shutting down; retry on a new connection' },
  ERR_INTERNAL: { status: 500, message: 'Internal Server Error' },
} as const satisfies Record<string, ErrorSpec>

/** A code of the core catalogue. */
export type ErrorCode = keyof typeof ERRORS

/**
 * Builds the {@link HttpError} of a catalogue code.
 *
 * @example
 * throw createError('ERR_NOT_FOUND')
 */
export function createError(code: ErrorCode, message?: string, options: Omit<HttpErrorOptions, 'code'> = {}): HttpError {
  const spec = ERRORS[code]
  return new HttpError(spec.status, message ?? spec.message, { ...options, code })
}

/** Reason phrases for the statuses weir answers with on its own. */
export const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  408: 'Request Timeout',
  409: 'Conflict',
  411: 'Length Required',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  416: 'Range Not Satisfiable',
  417: 'Expectation Failed',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  505: 'HTTP Version Not Supported',
}
