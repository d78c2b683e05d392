/** Reads a whole request body into memory: decoded, within its limit, settled on every outcome. */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Transform } from 'node:stream'
import { createError } from '../errors.js'
import { cut } from './continue.js'
import type { DecoderFactory } from './decoders.js'

/** 413 `ERR_BODY_TOO_LARGE` for a limit. */
export function tooLarge(limit: number) {
  return createError('ERR_BODY_TOO_LARGE', `The request body is larger than ${limit} bytes`, { details: { limit } })
}

/** 400 `ERR_BODY_INCOMPLETE`: the client went away (or stopped short of its Content-Length). */
export function incomplete(cause?: unknown) {
  return createError('ERR_BODY_INCOMPLETE', undefined, { cause })
}

/** 400 `ERR_BODY_DECODE_FAILED`: a corrupt gzip, deflate or br stream. */
export function decodeFailed(cause: Error) {
  return createError('ERR_BODY_DECODE_FAILED', `The request body could not be decoded: ${cause.message}`, { cause })
}

/** Builds the decoder chain; returns its first (written) and last (read) stream. */
export function chain(factories: DecoderFactory[]): { first: Transform; last: Transform; all: Transform[] } {
  const all = factories.map((f) => f())
  for (let i = 1; i < all.length; i++) all[i - 1]!.pipe(all[i]!)
  return { first: all[0]!, last: all.at(-1)!, all }
}

/** Called once when a read ends: with the bytes, or with the error that ended it. */
export type Collected = (err: Error | undefined, bytes: Buffer | undefined) => void

/**
 * Reads `req` to the end, then calls `done` once. Without decoders the socket's chunks are kept as they
 * come (one chunk: no copy); with decoders the raw bytes are written to the chain and its output kept.
 * Both the raw and the decoded byte counts must stay within `limit`; passing it cuts the connection (413).
 * A client that goes away ends it with `ERR_BODY_INCOMPLETE`; every listener is removed whatever the
 * outcome. A callback, not a promise: the reader settles one promise of its own, not two.
 */
export function collect(req: IncomingMessage, res: ServerResponse, limit: number, decoders: DecoderFactory[] | undefined, done: Collected): void {
  new Collector(req, res, limit, decoders, done).start()
}

/** One buffered read; its listeners are bound once, removed on settling. */
class Collector {
  readonly #chunks: Buffer[] = []
  readonly #dec: ReturnType<typeof chain> | undefined
  #size = 0
  #raw = 0
  #rawEnded = false
  #settled = false

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly limit: number,
    decoders: DecoderFactory[] | undefined,
    readonly done: Collected,
  ) {
    this.#dec = decoders === undefined ? undefined : chain(decoders)
  }

  start(): void {
    const { req } = this
    const dec = this.#dec
    if (dec !== undefined) {
      req.on('data', this.#onRaw)
      dec.last.on('data', this.#onData)
      dec.last.once('end', () => this.#settle(undefined))
      for (const d of dec.all) d.on('error', (err) => this.#settle(decodeFailed(err)))
    } else req.on('data', this.#onData)
    req.on('end', this.#onRawEnd)
    req.on('error', this.#onError)
    req.on('close', this.#onClose)
  }

  #settle(err: Error | undefined): void {
    if (this.#settled) return
    this.#settled = true
    const { req } = this
    const dec = this.#dec
    req.off('data', dec ? this.#onRaw : this.#onData)
    req.off('end', this.#onRawEnd)
    req.off('error', this.#onError)
    req.off('close', this.#onClose)
    if (dec !== undefined) for (const d of dec.all) d.destroy()
    const chunks = this.#chunks
    if (err !== undefined) this.done(err, undefined)
    else this.done(undefined, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, this.#size))
  }

  #over(): void {
    cut(this.req, this.res)
    this.#settle(tooLarge(this.limit))
  }

  readonly #onData = (chunk: Buffer): void => {
    this.#size += chunk.length
    if (this.#size > this.limit) return this.#over()
    this.#chunks.push(chunk)
  }

  readonly #onRaw = (chunk: Buffer): void => {
    this.#raw += chunk.length
    if (this.#raw > this.limit) return this.#over()
    this.#dec!.first.write(chunk)
  }

  readonly #onRawEnd = (): void => {
    this.#rawEnded = true
    if (this.#dec === undefined) this.#settle(undefined)
    else this.#dec.first.end()
  }

  readonly #onError = (err: Error): void => this.#settle(incomplete(err))

  readonly #onClose = (): void => {
    if (!this.#rawEnded) this.#settle(incomplete())
  }
}
