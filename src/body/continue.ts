/** `Expect: 100-continue` (RFC 9110 §10.1.1) and cutting a connection whose body will not be read. */
import type { IncomingMessage, ServerResponse } from 'node:http'

const kContinue = Symbol('weir.expectContinue')

type Expecting = IncomingMessage & { [kContinue]?: boolean }

/**
 * Marks a request that expects `100 Continue`: the interim response is sent only when something reads
 * the body (so a body refused by its declared length, or never read, is not invited). Until then the
 * connection is not kept alive: a final answer without `100 Continue` leaves the client free to skip the
 * body, and the server cannot tell where the next request starts.
 */
export function expectContinue(req: IncomingMessage, res: ServerResponse): void {
  // (An HTTP/2 response has no `shouldKeepAlive`: streams end, the connection stays; `true` marks it waiting.)
  ;(req as Expecting)[kContinue] = res.shouldKeepAlive !== false
  res.shouldKeepAlive = false
}

/** Sends `100 Continue` if the client waits for it; the connection may be kept alive again. */
export function sendContinue(req: IncomingMessage, res: ServerResponse): void {
  const keep = (req as Expecting)[kContinue]
  if (keep === undefined) return
  ;(req as Expecting)[kContinue] = undefined
  if (!res.headersSent && typeof res.writeContinue === 'function') res.writeContinue()
  res.shouldKeepAlive = keep
}

/**
 * The rest of this body will not be read: answer with `Connection: close`, so Node does not drain an
 * unbounded upload to keep the connection, and stop reading the socket now (on HTTP/2: close the stream
 * after the answer).
 */
export function cut(req: IncomingMessage, res: ServerResponse): void {
  res.shouldKeepAlive = false
  req.pause()
  // HTTP/2 keeps the connection: the stream alone is closed (RST_STREAM NO_ERROR) once the answer is out,
  // so the client stops sending (RFC 9113 §8.1).
  // (The compatibility response emits `finish` only when the stream has closed: wait for the stream's own.)
  const stream = (res as { stream?: { close(): void; closed: boolean; writableFinished: boolean; once(e: 'finish', f: () => void): void } }).stream
  if (stream === undefined) return
  // Its unread data is dropped (at most one flow-control window), or Node keeps the stream for it.
  const close = () => {
    if (!stream.closed) stream.close()
    req.resume()
  }
  if (stream.writableFinished) close()
  else stream.once('finish', close)
}
