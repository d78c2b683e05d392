/** Answers requests Node's parser rejects before any handler runs, with a status and a stable code. */
import type { Socket } from 'node:net'
import { ERRORS, type ErrorCode, STATUS_TEXT } from '../errors.js'
import type { Logger } from './types.js'

interface ParserError extends Error {
  code?: string
  reason?: string
}

/** The catalogue code for a parser error (llhttp `HPE_*` codes, Node's timeout codes). */
export function clientErrorCode(err: ParserError): ErrorCode {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return 'ERR_HEADERS_TOO_LARGE'
    case 'ERR_HTTP_REQUEST_TIMEOUT':
    case 'ERR_HTTP_HEADERS_TIMEOUT':
      return 'ERR_REQUEST_TIMEOUT'
    case 'HPE_INVALID_VERSION':
      // llhttp reports a bare LF after the version with the same code: only a real version is 505.
      return err.reason === 'Invalid HTTP version' ? 'ERR_HTTP_VERSION' : 'ERR_BAD_REQUEST'
    default:
      return 'ERR_BAD_REQUEST'
  }
}

/**
 * The server's `clientError` listener: writes a small JSON error with `Connection: close` when the
 * socket can still take it, then destroys the socket. Resets and aborted sockets are just destroyed.
 */
export function onClientError(log: Logger): (err: ParserError, socket: Socket) => void {
  return (err, socket) => {
    if (err.code === 'ECONNRESET' || !socket.writable || (socket as { _httpMessage?: unknown })._httpMessage) {
      socket.destroy()
      return
    }
    const code = clientErrorCode(err)
    const { status, message } = ERRORS[code]
    log.debug({ code, parser: err.code, reason: err.reason }, message)
    const body = JSON.stringify({ status, code, message })
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_TEXT[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    )
  }
}
