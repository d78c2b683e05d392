/** Answers requests Node's parser rejects before any handler runs, with a status and a stable code. */
import type { Socket } from 'node:net'
import { ERRORS, type ErrorCode, STATUS_TEXT } from '../errors.js'
import { type ErrorFormat, errorBody } from './fail.js'
import type { Logger } from './types.js'

interface ParserError extends Error {
  code?: string
  reason?: string
  /** The bytes being parsed when the parser failed (Node sets it on parse errors). */
  rawPacket?: Buffer
}

const HEAD = Buffer.from('HEAD ')

/** The catalogue code for a parser error (llhttp `HPE_*` codes, Node's timeout codes). */
export function clientErrorCode(err: ParserError): ErrorCode {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return 'ERR_HEADERS_TOO_LARGE'
    case 'ERR_HTTP_REQUEST_TIMEOUT':
    case 'ERR_HTTP_HEADERS_TIMEOUT':
      return 'ERR_REQUEST_TIMEOUT'
    case 'HPE_INVALID_VERSION':
      // 'Invalid HTTP version' is a well-formed `HTTP/d.d` Node does not serve (1.2, 3.1, 9.9): 505. The same
      // code covers malformed versions ('Expected dot', 'Invalid minor version', a bare LF or text after
      // the version: 'Expected CRLF after version'): those are the client's garbage, 400.
      return err.reason === 'Invalid HTTP version' ? 'ERR_HTTP_VERSION' : 'ERR_BAD_REQUEST'
    default:
      return 'ERR_BAD_REQUEST'
  }
}

/**
 * The code for a request Node's parser handed over with a major version other than 1. A request line
 * naming HTTP/2 or later as text is well-formed, in a version weir does not serve: 505 (RFC 9110 §15.6.6).
 * Major 0 is HTTP/0.9, which llhttp reports for a request line with no version at all (`GET /hello`):
 * malformed since HTTP/1.0 (RFC 9112 §3: method SP request-target SP HTTP-version), so 400. The parser gives
 * a line that writes `HTTP/0.9` out the same version; no HTTP/0.9 client ever sent one (RFC 1945 §4.1).
 */
export function versionErrorCode(major: number): 'ERR_BAD_REQUEST' | 'ERR_HTTP_VERSION' {
  return major === 0 ? 'ERR_BAD_REQUEST' : 'ERR_HTTP_VERSION'
}

/**
 * The server's `clientError` listener: writes a small JSON error in the app's format with
 * `Connection: close` when the socket can still take it, then closes the socket. Resets, aborted sockets and responses already on the
 * wire get no answer: the socket is just destroyed.
 */
export function onClientError(log: Logger, format: ErrorFormat = {}): (err: ParserError, socket: Socket) => void {
  return (err, socket) => {
    const inflight = (socket as { _httpMessage?: { headersSent?: boolean } | null })._httpMessage
    // Node's own rule: answer unless a response has started (a request whose body stalled past
    // requestTimeout has a response object, not yet sent: it gets its 408 like Node's default gives).
    if (err.code === 'ECONNRESET' || !socket.writable || inflight?.headersSent) {
      socket.destroy()
      return
    }
    // EOF after the head was dispatched: the client half-closed before sending the whole body.
    const code = inflight && err.code === 'HPE_INVALID_EOF_STATE' ? 'ERR_BODY_INCOMPLETE' : clientErrorCode(err)
    const { status, message } = ERRORS[code]
    log.debug({ code, parser: err.code, reason: err.reason }, message)
    const { type, body } = errorBody(status, code, message, format)
    // A HEAD request gets no body, even refused (the client would read one as the next response).
    const head = err.rawPacket?.subarray(0, HEAD.length).equals(HEAD) === true
    const answer = `HTTP/1.1 ${status} ${STATUS_TEXT[status]}\r\nContent-Type: ${type}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${head ? '' : body}`
    if (!inflight) return void socket.end(answer)
    // Its handler is still running and may answer later: destroy now, so nothing follows this answer.
    socket.write(answer)
    socket.destroy()
  }
}
