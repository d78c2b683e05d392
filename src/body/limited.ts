/** A request body as a stream straight from the socket: decoded, within its limit, cut when abandoned. */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { Transform } from 'node:stream'
import { chain, decodeFailed, incomplete, tooLarge } from './collect.js'
import { cut } from './continue.js'
import type { DecoderFactory } from './decoders.js'

/**
 * Pipes `req` (through the decoders) into a stream that errors with 413 the moment the decoded or raw
 * byte count passes `limit`, with `ERR_BODY_INCOMPLETE` when the client goes away, with
 * `ERR_BODY_DECODE_FAILED` on a corrupt coding. Backpressure holds: a slow consumer slows the upload.
 * If the stream is destroyed or fails before the end, the rest of the body is not read and the
 * connection is closed after the response.
 */
export function limitedStream(req: IncomingMessage, res: ServerResponse, limit: number, decoders: DecoderFactory[] | undefined): Transform {
  let size = 0
  let raw = 0
  let rawEnded = false
  const out = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      size += chunk.length
      if (size > limit) cb(tooLarge(limit))
      else cb(null, chunk)
    },
  })
  const dec = decoders === undefined ? undefined : chain(decoders)
  const fail = (err: Error) => {
    if (!out.destroyed) out.destroy(err)
  }
  const onRaw = (chunk: Buffer) => {
    raw += chunk.length
    if (raw > limit) fail(tooLarge(limit))
  }
  const onEnd = () => {
    rawEnded = true
  }
  const onError = (err: Error) => fail(incomplete(err))
  const onClose = () => {
    if (!rawEnded) fail(incomplete())
  }
  // Answered before the body was read to the end: the rest will never be read.
  const onFinish = () => {
    if (!rawEnded) out.destroy()
  }
  req.on('end', onEnd)
  req.on('error', onError)
  req.on('close', onClose)
  res.once('finish', onFinish)
  if (dec === undefined) req.pipe(out)
  else {
    req.on('data', onRaw)
    req.pipe(dec.first)
    dec.last.pipe(out)
    for (const d of dec.all) d.on('error', (err) => fail(decodeFailed(err)))
  }
  out.once('close', () => {
    req.off('end', onEnd)
    req.off('error', onError)
    req.off('close', onClose)
    req.off('data', onRaw)
    res.off('finish', onFinish)
    if (dec !== undefined) {
      req.unpipe(dec.first)
      for (const d of dec.all) d.destroy()
    } else req.unpipe(out)
    if (!rawEnded) abandon(req, res)
  })
  return out
}

/**
 * The rest of the body will not be read. Before the response starts, `Connection: close` does it; once
 * the headers are out (kept alive), the socket is closed when the response has finished, since the next
 * request on it would start in the middle of this body.
 */
function abandon(req: IncomingMessage, res: ServerResponse): void {
  cut(req, res)
  if (!res.headersSent) return
  const close = () => {
    const socket = req.socket as { destroy?: () => void } | null
    if (typeof socket?.destroy === 'function') socket.destroy()
  }
  if (res.writableFinished) close()
  else res.once('finish', close)
}
