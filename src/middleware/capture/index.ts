/** Response capture: the body as sent — after serialisation, before compression — for the access log. */
import { Transform, type TransformCallback, pipeline } from 'node:stream'
import type { Context } from '../../core/context.js'
import { toReadable } from '../../core/respond.js'
import type { Middleware, ResponseBody } from '../../core/types.js'
import { onBeforeEncoding } from '../../stream/encoding.js'
import { markFlush, wantsFlush } from '../../stream/flush.js'
import type { Mode } from '../../utils/mode.js'

/**
 * Options of {@link capture}.
 *
 * @example
 * capture({ mode: 'debug', maxBytes: 8192, types: ['application/json'], onCaptured: (cap) => console.log(cap.text) })
 */
export interface CaptureOptions {
  /** Bytes of the body kept; the rest is counted, not kept. Default `4096`. */
  maxBytes?: number
  /** The app modes in which capture runs (`'debug'` for the recommended stack); in others it only calls `next()`. Default: every mode. */
  mode?: Mode | Mode[]
  /**
   * Content types captured: a list of `type/subtype` or `type/*`, or a predicate. Default: textual types
   * (`text/*`, JSON, XML, `+json`, `+xml`, JavaScript, urlencoded); binary bodies are skipped.
   */
  types?: string[] | ((type: string) => boolean)
  /** Appended to `text` when the body was longer than `maxBytes`. Default `'…[truncated]'`. */
  marker?: string
  /** Called once the body is complete: at once for a buffered body, when a stream ends (or is cut) for a stream. */
  onCaptured?: (captured: CapturedResponse, c: Context) => void
  /** Requests not captured. */
  skip?: (c: Context) => boolean
}

/**
 * What `capture()` stores under `c.get('capture')` (the shape the access logger reads).
 *
 * @example
 * const body = c.get('capture')?.response.text
 */
export interface Capture {
  /** The response body as sent. */
  readonly response: CapturedResponse
  /** The request body, when another layer fills it in. */
  request?: string | Uint8Array
}

/**
 * A captured response body. For a stream it grows as the stream flows; `done` settles at its end.
 *
 * @example
 * c.raw.res.once('finish', () => log.debug({ body: c.get('capture')?.response.text }))
 */
export interface CapturedResponse {
  /** Up to `maxBytes` bytes of the body (empty when skipped). */
  readonly bytes: Uint8Array
  /** `bytes` as UTF-8, with the marker when truncated (`''` when skipped). */
  readonly text: string
  /** Bytes of body seen, also past `maxBytes` (0 when skipped). */
  readonly size: number
  /** Whether the body was longer than `maxBytes`. */
  readonly truncated: boolean
  /** The response's `Content-Type`. */
  readonly type: string | undefined
  /** Whether the body is a stream (captured as it flows). */
  readonly streamed: boolean
  /** Why nothing was kept: `'type'` (filtered out) or `'encoded'` (compressed by an encoder that does not hand over the plain body). */
  readonly skipped: 'type' | 'encoded' | undefined
  /** `true` once the whole body passed; `false` while a stream flows or after it was cut. */
  readonly complete: boolean
  /** Resolves with this object when the body has finished or was cut; never rejects. Do not await it inside the chain for a stream: the stream only flows after the chain. */
  readonly done: Promise<CapturedResponse>
}

declare module '../../core/types.js' {
  interface ContextVariables {
    capture: Capture
  }
}

const TEXTUAL = /^(?:text\/|application\/(?:json|xml|javascript|x-www-form-urlencoded|graphql|x-ndjson)\b|[^;]*\+(?:json|xml)\b)/i

/**
 * Captures the response body as sent, before any compression, for an access log or debugging: buffered
 * bodies when the chain returns here, streams as they flow (a pass-through copies the first `maxBytes`
 * and counts the rest — nothing is buffered ahead, memory stays flat). Wherever it sits: inside
 * `compress()` it sees the plain body anyway, outside it `compress()` hands it the plain body before
 * encoding (src/stream/encoding.ts). Read it in an outer layer after `await next()` (buffered) or when
 * the response finished (streams) — or pass `onCaptured`. The JSON access log of `logger()` captures by
 * itself in debug mode; add `capture()` for other modes, options or readers.
 *
 * @example
 * app.use(logger())                       // reads c.get('capture') when the response has finished
 * app.use(capture({ mode: 'debug', maxBytes: 8192 }))
 * app.use(compress())
 */
export function capture(options: CaptureOptions = {}): Middleware {
  const modes = options.mode === undefined ? undefined : Array.isArray(options.mode) ? options.mode : [options.mode]
  if (modes?.some((m) => m !== 'debug' && m !== 'release' && m !== 'test')) throw new TypeError(`capture(): mode must be debug, release or test, got ${options.mode}`)
  if (options.skip !== undefined && typeof options.skip !== 'function') throw new TypeError('capture(): skip must be a function')
  const skip = options.skip
  const begin = captureResponse(options)
  return async function capture(c, next) {
    if ((modes !== undefined && !modes.includes(c.mode)) || skip?.(c)) return next()
    const end = begin(c)
    await next()
    end()
  }
}

/** Options of {@link captureResponse}: those of {@link capture} without `mode` and `skip`. */
export type CaptureResponseOptions = Omit<CaptureOptions, 'mode' | 'skip'>

/**
 * The capture without the middleware, for a layer that decides per request (the access logger in debug
 * mode): `begin(c)` before `await next()`, the function it returns after. Stores what {@link capture}
 * stores. When a capture nearer the handler (`capture()` by hand) has the body, this one leaves it to it.
 *
 * @example
 * const begin = captureResponse({ maxBytes: 1024 })
 * app.use(async (c, next) => {
 *   const end = c.mode === 'debug' ? begin(c) : undefined
 *   await next()
 *   end?.()
 * })
 */
export function captureResponse(options: CaptureResponseOptions = {}): (c: Context) => () => void {
  const maxBytes = options.maxBytes ?? 4096
  if (!Number.isInteger(maxBytes) || maxBytes < 0) throw new TypeError(`capture(): maxBytes must be a non-negative integer, got ${maxBytes}`)
  const textual = typeFilter(options.types)
  const marker = options.marker ?? '…[truncated]'
  if (options.onCaptured !== undefined && typeof options.onCaptured !== 'function') throw new TypeError('capture(): onCaptured must be a function')
  const onCaptured = options.onCaptured

  /** Records `body` (a stream: wraps it) and returns what should be sent. */
  function take(c: Context, body: ResponseBody): ResponseBody {
    const streamed = body !== null && typeof body === 'object' && !(body instanceof Uint8Array)
    const type = contentType(c, body)
    const enc = c.res.get('content-encoding')
    const skipped = enc !== undefined && enc !== 'identity' ? 'encoded' : textual(type) ? undefined : 'type'
    const cap = new Captured(maxBytes, marker, type, streamed, skipped, onCaptured, c)
    c.set('capture', { request: c.get('capture')?.request, response: cap })
    if (skipped !== undefined) cap.finish(true)
    else if (!streamed) cap.buffered(body as string | Uint8Array | null)
    else {
      const tap = new Tap(cap)
      if (wantsFlush(body)) markFlush(tap)
      return pipeline(toReadable(body as Exclude<ResponseBody, string | Uint8Array | null>), tap, (err) => cap.finish(!err))
    }
    return body
  }

  return (c) => {
    const prior = c.get('capture')?.response
    let taken = false
    // Once: when an encoder inside hands over the plain body, or else when the chain returns here.
    // A capture nearer the handler stored its own first (its response differs from `prior`): leave it.
    const once = (body: ResponseBody): ResponseBody => {
      if (taken) return body
      taken = true
      return c.get('capture')?.response !== prior ? body : take(c, body)
    }
    onBeforeEncoding(c, once)
    return () => {
      if (taken) return
      const body = c.res.body
      const out = once(body)
      if (out !== body) c.res.body = out
    }
  }
}

function contentType(c: Context, body: ResponseBody): string | undefined {
  const t = c.res.get('content-type')
  if (t !== undefined) return String(t)
  // What respond will send when no type was set.
  return typeof body === 'string' ? 'text/plain; charset=utf-8' : body === null ? undefined : 'application/octet-stream'
}

function typeFilter(types: CaptureOptions['types']): (type: string | undefined) => boolean {
  if (types === undefined) {
    // Responses reuse a handful of Content-Type strings: remember the answer for each.
    const seen = new Map<string, boolean>()
    return (t) => {
      if (t === undefined) return true
      let ok = seen.get(t)
      if (ok === undefined) {
        ok = TEXTUAL.test(t)
        if (seen.size < 64) seen.set(t, ok)
      }
      return ok
    }
  }
  if (typeof types === 'function') return (t) => t !== undefined && types(t)
  if (!Array.isArray(types) || types.some((t) => typeof t !== 'string' || !t.includes('/'))) {
    throw new TypeError('capture(): types must be a list of "type/subtype" or "type/*", or a function')
  }
  const list = types.map((t) => t.toLowerCase())
  return (t) => {
    if (t === undefined) return false
    const mt = t.split(';', 1)[0]!.trim().toLowerCase()
    return list.some((x) => x === mt || (x.endsWith('/*') && mt.startsWith(x.slice(0, -1))))
  }
}

function report(fn: CaptureOptions['onCaptured'], cap: CapturedResponse, c: Context): void {
  if (fn === undefined) return
  try {
    fn(cap, c)
  } catch (err) {
    c.log.error({ err, code: 'ERR_STATS_CALLBACK_FAILED' }, 'capture(): onCaptured threw; it was skipped')
  }
}

/** The captured body; keeps at most `max` bytes. A string body that fits is kept as is (no copy). */
class Captured implements CapturedResponse {
  size = 0
  truncated = false
  complete = false
  readonly #max: number
  readonly #marker: string
  readonly #onCaptured: CaptureOptions['onCaptured']
  readonly #c: Context
  #done: Promise<CapturedResponse> | undefined
  #resolve: ((cap: CapturedResponse) => void) | undefined
  #buf: Uint8Array | undefined
  #len = 0
  #text: string | undefined
  #settled = false

  constructor(
    max: number,
    marker: string,
    readonly type: string | undefined,
    readonly streamed: boolean,
    readonly skipped: 'type' | 'encoded' | undefined,
    onCaptured: CaptureOptions['onCaptured'],
    c: Context,
  ) {
    this.#max = max
    this.#marker = marker
    this.#onCaptured = onCaptured
    this.#c = c
  }

  // Made on first use: most requests never ask, and a promise per request is measurable.
  get done(): Promise<CapturedResponse> {
    this.#done ??= this.#settled
      ? Promise.resolve(this)
      : new Promise((r) => {
          this.#resolve = r
        })
    return this.#done
  }

  get bytes(): Uint8Array {
    if (this.#buf === undefined) this.#buf = this.#text !== undefined ? Buffer.from(this.#text) : new Uint8Array(0)
    return this.#buf.subarray(0, this.#text !== undefined ? this.#buf.length : this.#len)
  }

  get text(): string {
    if (this.#text !== undefined) return this.#text
    if (this.#buf === undefined) return this.truncated ? this.#marker : ''
    // A cut in the middle of a character: stream mode leaves the incomplete sequence out.
    const t = new TextDecoder().decode(this.#buf.subarray(0, this.#len), { stream: this.truncated })
    return this.truncated ? t + this.#marker : t
  }

  buffered(body: string | Uint8Array | null): void {
    if (typeof body === 'string') {
      const size = Buffer.byteLength(body)
      if (size <= this.#max) this.#text = body
      else this.add(Buffer.from(body.slice(0, this.#max)))
      this.size = size
      this.truncated = size > this.#max
    } else if (body !== null) this.add(body)
    this.finish(true)
  }

  /** Counts a chunk and copies what still fits. */
  add(chunk: Uint8Array): void {
    this.size += chunk.length
    const room = this.#max - this.#len
    if (room > 0) {
      this.#buf ??= new Uint8Array(this.#max)
      const part = chunk.length > room ? chunk.subarray(0, room) : chunk
      this.#buf.set(part, this.#len)
      this.#len += part.length
    }
    if (this.size > this.#max) this.truncated = true
  }

  finish(complete: boolean): void {
    if (this.#settled) return
    this.#settled = true
    this.complete = complete
    this.#resolve?.(this)
    report(this.#onCaptured, this, this.#c)
  }
}

/** A pass-through that shows every chunk to the capture on its way to the client. */
class Tap extends Transform {
  readonly #cap: Captured

  constructor(cap: Captured) {
    super()
    this.#cap = cap
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.#cap.add(chunk)
    cb(null, chunk)
  }
}
