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
  ERR_MISSING_HOST: { status: 400, message: 'An HTTP/1.1 request needs a Host header (RFC 9112 §3.2)' },
  ERR_HTTP_VERSION: { status: 505, message: 'Only HTTP/1.0 and HTTP/1.1 are served here' },
  ERR_BAD_REQUEST: { status: 400, message: 'The request could not be parsed' },
  ERR_HEADERS_TOO_LARGE: { status: 431, message: 'The request head is larger than the server accepts (maxHeaderSize)' },
  ERR_REQUEST_TIMEOUT: { status: 408, message: 'The request was not received in time' },
  ERR_TOO_MANY_HEADERS: { status: 431, message: 'The request has more header fields than the server accepts (maxHeadersCount)' },
  ERR_SERVER_CLOSING: { status: 503, message: 'The server is shutting down; retry on a new connection' },
  ERR_INTERNAL: { status: 500, message: 'Internal Server Error' },
  ERR_BODY_TOO_LARGE: { status: 413, message: 'The request body is larger than this route accepts' },
  ERR_BODY_INCOMPLETE: { status: 400, message: 'The client closed the connection before sending the whole body' },
  ERR_BODY_UNSUPPORTED_ENCODING: { status: 415, message: 'The request body has a Content-Encoding this route does not decode' },
  ERR_BODY_DECODE_FAILED: { status: 400, message: 'The request body could not be decoded (corrupt gzip, deflate or br stream)' },
  ERR_BODY_UNSUPPORTED_CHARSET: { status: 415, message: 'The charset of the request body is not supported' },
  ERR_BODY_UNSUPPORTED_TYPE: { status: 415, message: 'The Content-Type of the request body is not accepted here' },
  ERR_BODY_INVALID_JSON: { status: 400, message: 'The request body is not valid JSON' },
  ERR_BODY_JSON_TOO_DEEP: { status: 400, message: 'The JSON body nests arrays and objects deeper than allowed (limits.jsonDepth)' },
  ERR_BODY_PROTO_KEY: { status: 400, message: 'The JSON body has a __proto__ or constructor.prototype key (prototype poisoning)' },
  ERR_BODY_INVALID_FORM: { status: 400, message: 'The urlencoded body has conflicting or unsupported keys' },
  ERR_BODY_FORM_TOO_DEEP: { status: 400, message: 'An urlencoded key is nested deeper than allowed (limits.formDepth)' },
  ERR_BODY_TOO_MANY_FIELDS: { status: 413, message: 'The form has more fields than allowed (limits.fields)' },
  ERR_BODY_FIELD_TOO_LARGE: { status: 413, message: 'A multipart field is larger than allowed (limits.fieldSize)' },
  ERR_BODY_TOO_MANY_FILES: { status: 413, message: 'The multipart body has more files than allowed (limits.files)' },
  ERR_BODY_FILE_TOO_LARGE: { status: 413, message: 'A multipart file is larger than allowed (limits.fileSize)' },
  ERR_BODY_INVALID_MULTIPART: { status: 400, message: 'The multipart body is malformed' },
  ERR_BODY_CONSUMED: { status: 500, message: 'The request body was already consumed as a stream and cannot be read again' },
  ERR_VALIDATION: { status: 400, message: 'The request did not pass validation; see details' },
  ERR_COMPRESS_NOT_ACCEPTABLE: { status: 406, message: 'No content coding the client accepts is available, and it refuses identity' },
  ERR_PRECONDITION_FAILED: { status: 412, message: 'A precondition (If-Match, If-Unmodified-Since, If-None-Match) failed' },
  ERR_RATE_LIMITED: { status: 429, message: 'Too many requests; retry after the time in Retry-After' },
  ERR_CONCURRENCY_LIMITED: { status: 503, message: 'The server is handling too many requests; retry shortly' },
  ERR_CONCURRENCY_KEY_LIMITED: { status: 429, message: 'Too many requests in flight for this client; retry shortly' },
  ERR_TIMEOUT: { status: 503, message: 'The handler did not answer in time' },
  ERR_RESPONSE_TOO_LARGE: { status: 500, message: 'The response is larger than the server allows' },
  ERR_UNCAUGHT_EXCEPTION: { status: 500, message: 'An exception escaped every handler (logged, reported as a process error event)' },
  ERR_UNHANDLED_REJECTION: { status: 500, message: 'A promise rejected with no handler (logged, reported as a process error event)' },
  ERR_EVENT_LISTENER_FAILED: { status: 500, message: 'An app event listener threw; it was skipped' },
  ERR_STATS_CALLBACK_FAILED: { status: 500, message: 'A stats, metrics or access-log callback threw after the response; it was skipped' },
  ERR_STREAM_FAILED: { status: 500, message: 'A streamed response failed after its head was sent; the connection was cut' },
  ERR_STREAM_LINE_TOO_LONG: { status: 413, message: 'A line is longer than maxLineLength' },
  ERR_FILE_NOT_FOUND: { status: 404, message: 'No such file' },
  ERR_FILE_CHANGED: { status: 500, message: 'The file changed while it was being sent' },
  ERR_RANGE_NOT_SATISFIABLE: { status: 416, message: 'No part of the requested Range is inside the file; see Content-Range' },
  ERR_STATIC_BAD_PATH: { status: 400, message: 'The path is malformed (bad percent-escape or NUL byte)' },
  ERR_STATIC_FORBIDDEN: { status: 403, message: 'The path leaves the static root or names a refused file' },
  ERR_RENDER_NOT_ACCEPTABLE: { status: 406, message: 'None of the available formats is acceptable (Accept); see details.available' },
  ERR_MISSING_DEPENDENCY: { status: 500, message: 'An optional package this feature needs is not installed (see docs/install.md)' },
  ERR_STORE_UNAVAILABLE: { status: 503, message: 'The store behind this request cannot be reached; try again shortly' },
  ERR_STORE_TIMEOUT: { status: 503, message: 'The store behind this request did not answer in time; try again shortly' },
  ERR_STORE_CLOSED: { status: 503, message: 'The store was closed (the app is shutting down)' },
  ERR_STORE_VALUE_TOO_LARGE: { status: 413, message: 'The value is larger than the store accepts (maxValueBytes)' },
  ERR_STORE_CONFLICT: { status: 503, message: 'Too many concurrent writers changed this value; try again' },
  ERR_SESSION_TOO_LARGE: { status: 413, message: 'The session data is larger than the session allows (maxBytes)' },
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
