/** The request body: read from the socket once, kept for every later reader, parsed on demand and cached. */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { Readable } from 'node:stream'
import { createError, type HttpError } from '../errors.js'
import { collect, tooLarge } from './collect.js'
import { decodeText, isJson, mediaType } from './content-type.js'
import { cut, sendContinue } from './continue.js'
import { type DecoderFactory, decodersFor } from './decoders.js'
import { type FormRecord, parseForm } from './form.js'
import { checkJsonCharset, jsonTooDeep, parseJson, type ProtoAction } from './json.js'
import { limitedStream } from './limited.js'
import { type MultipartBody, type MultipartOptions, parseMultipart } from './multipart.js'
import { type BodyOptions, type BodySettings, type BodySource, parserFor, resolveBody } from './settings.js'

const resolved = new WeakMap<BodyOptions, { base: BodySettings; out: BodySettings }>()

const IDLE = 0
const READING = 1
const DONE = 2
const STREAMED = 3
const FAILED = 4

/**
 * One request's body. Bytes are read from the socket once (`bytes()`), then `text()`, `json()`,
 * `form()`, `multipart()` and `parse()` decode them and cache what they made. `stream()` before any read
 * streams from the socket and consumes the body. A failed parse caches nothing: the bytes stay.
 */
export class BodyReader {
  readonly #req: IncomingMessage
  readonly #res: ServerResponse
  #settings: BodySettings
  #state = IDLE
  #bytes: Buffer | undefined
  #pending: Promise<void> | undefined
  #error: Error | undefined
  #text: string | undefined
  #json: { value: unknown; proto: ProtoAction } | undefined
  #form: FormRecord | undefined
  #multipart: MultipartBody | undefined
  #parsed: { value: unknown } | undefined

  constructor(req: IncomingMessage, res: ServerResponse, settings: BodySettings) {
    this.#req = req
    this.#res = res
    this.#settings = settings
  }

  /** The settings now in force. */
  get settings(): BodySettings {
    return this.#settings
  }

  /** Applies per-route options; limits set after the body was read can only refuse it, not accept more. */
  configure(options: BodyOptions): void {
    // A middleware passes the same options object on every request: resolve it once per base.
    const memo = resolved.get(options)
    if (memo !== undefined && memo.base === this.#settings) {
      this.#settings = memo.out
      return
    }
    const out = resolveBody(options, this.#settings)
    resolved.set(options, { base: this.#settings, out })
    this.#settings = out
  }

  /** The whole body (decoded), read once; the same bytes for every caller — treat them as read-only. */
  async bytes(): Promise<Buffer> {
    if (this.#state !== DONE) await this.#read()
    return this.#kept()
  }

  /**
   * Reads the body from the socket once; concurrent readers wait on the same read, which settles with
   * nothing (resolving with a Buffer would cost V8 a `then` lookup along its prototype chain).
   */
  #read(): Promise<void> {
    if (this.#state === READING) return this.#pending!
    const factories = this.#check()
    this.#state = READING
    sendContinue(this.#req, this.#res)
    this.#pending = new Promise((resolve, reject) => {
      collect(this.#req, this.#res, this.#settings.limits.body, factories, (err, bytes) => {
        if (err === undefined) {
          this.#state = DONE
          this.#bytes = bytes
          resolve()
        } else {
          this.#state = FAILED
          this.#error = err
          reject(err)
        }
      })
    })
    return this.#pending
  }

  /** The bytes read, refused if a limit lowered after the read no longer admits them. */
  #kept(): Buffer {
    const bytes = this.#bytes!
    const limit = this.#settings.limits.body
    if (bytes.length > limit) throw tooLarge(limit)
    return bytes
  }

  /** Refuses up front what can be refused without reading: consumed, failed, unknown coding, declared size. */
  #check(): DecoderFactory[] | undefined {
    if (this.#state === FAILED) throw this.#error
    if (this.#state === STREAMED) throw consumed('c.req.stream() or c.req.multipart({ onFile })')
    const req = this.#req
    if (req.readableDidRead || req.readableEnded) throw consumed('c.req.raw, or discarded after the response')
    if (req.destroyed) throw createError('ERR_BODY_INCOMPLETE')
    const factories = decodersFor(req.headers['content-encoding'], this.#settings.decoders)
    const limit = this.#settings.limits.body
    const declared = Number(req.headers['content-length'])
    // RFC 9110 §15.5.14: refuse by the declared length, before reading (and before any 100 Continue).
    if (declared > limit) {
      cut(req, this.#res)
      throw tooLarge(limit)
    }
    return factories
  }

  /** The body as text in the charset of `Content-Type` (UTF-8 by default). */
  async text(): Promise<string> {
    if (this.#state !== DONE) await this.#read()
    return this.#textNow()
  }

  #textNow(): string {
    this.#text ??= decodeText(this.#kept(), mediaType(this.#req.headers['content-type']).charset)
    return this.#text
  }

  /**
   * The body parsed as JSON, whatever the `Content-Type`; cached per `protoAction`. UTF-8 only (a UTF-8
   * byte-order mark is dropped); UTF-16/32, by `charset` or byte-order mark, is 415 `ERR_BODY_UNSUPPORTED_CHARSET`.
   */
  async json(protoAction: ProtoAction = this.#settings.protoAction): Promise<unknown> {
    if (this.#state !== DONE) await this.#read()
    return this.#jsonNow(protoAction)
  }

  #jsonNow(protoAction: ProtoAction): unknown {
    if (this.#json !== undefined && this.#json.proto === protoAction) return this.#json.value
    const bytes = this.#kept()
    checkJsonCharset(bytes, mediaType(this.#req.headers['content-type']).charset)
    // UTF-8 from here on: a text() read under a UTF-8 label decoded the same way.
    const text = this.#text ?? decodeText(bytes, undefined)
    const depth = this.#settings.limits.jsonDepth
    if (jsonTooDeep(text, depth)) {
      throw createError('ERR_BODY_JSON_TOO_DEEP', `The JSON body nests deeper than ${depth} levels`, { details: { limit: depth } })
    }
    const value = parseJson(text, protoAction)
    this.#json = { value, proto: protoAction }
    return value
  }

  /** The body parsed as `application/x-www-form-urlencoded`. */
  async form(): Promise<FormRecord> {
    if (this.#form !== undefined) return this.#form
    if (mediaType(this.#req.headers['content-type']).type === 'multipart/form-data') {
      throw createError('ERR_BODY_UNSUPPORTED_TYPE', 'This body is multipart/form-data: read it with c.req.multipart()')
    }
    if (this.#state !== DONE) await this.#read()
    return this.#formNow()
  }

  #formNow(): FormRecord {
    const { fields, formDepth } = this.#settings.limits
    this.#form ??= parseForm(this.#textNow(), fields, formDepth)
    return this.#form
  }

  /**
   * The body parsed as `multipart/form-data`. Without `onFile`, from the buffered body (cached; files in
   * memory). With `onFile`, files stream to it: from the socket when nothing was read yet (the body is then
   * consumed), else from the kept bytes.
   */
  async multipart<T = Uint8Array>(options: MultipartOptions<T> = {}): Promise<MultipartBody<T>> {
    const header = this.#req.headers['content-type'] ?? ''
    if (mediaType(header).type !== 'multipart/form-data') {
      throw createError('ERR_BODY_UNSUPPORTED_TYPE', 'Expected a multipart/form-data body')
    }
    const { onFile } = options
    if (onFile === undefined && this.#multipart !== undefined) return this.#multipart as unknown as MultipartBody<T>
    const source = onFile !== undefined && this.#state === IDLE ? this.stream() : await this.bytes()
    const body = await parseMultipart(source, header, this.#settings.limits, onFile)
    if (onFile === undefined) this.#multipart = body as unknown as MultipartBody
    return body
  }

  /**
   * The body as a stream. Before anything was read it comes straight from the socket (decoded, limited)
   * and the body is consumed: any later read throws `ERR_BODY_CONSUMED`. After a read, a stream of the kept bytes.
   */
  stream(): Readable {
    if (this.#state === DONE || this.#state === READING) return once(this.bytes())
    const factories = this.#check()
    this.#state = STREAMED
    sendContinue(this.#req, this.#res)
    return limitedStream(this.#req, this.#res, this.#settings.limits.body, factories)
  }

  /**
   * The body by its `Content-Type`: a custom parser's value; JSON (`application/json`, `+json`); a form
   * record (urlencoded); `{ fields, files }` (multipart); a string (`text/*`); bytes otherwise.
   * An empty body is `undefined`. Cached.
   */
  async parse(source: BodySource): Promise<unknown> {
    if (this.#parsed !== undefined) return this.#parsed.value
    const { type } = mediaType(this.#req.headers['content-type'])
    const custom = type === '' ? undefined : parserFor(this.#settings.parsers, type)
    let value: unknown
    if (typeof custom === 'function') value = await custom(source)
    else {
      if (this.#state !== DONE) await this.#read()
      const bytes = this.#kept()
      if (bytes.length === 0) value = undefined
      else if (custom === false || type === '') value = bytes
      else if (isJson(type)) value = this.#jsonNow(this.#settings.protoAction)
      else if (type === 'application/x-www-form-urlencoded') value = this.#formNow()
      else if (type === 'multipart/form-data') value = await this.multipart()
      else if (type.startsWith('text/')) value = this.#textNow()
      else value = bytes
    }
    this.#parsed = { value }
    return value
  }
}

/** A stream of bytes to come. */
function once(bytes: Promise<Buffer>): Readable {
  return Readable.from(
    (async function* () {
      yield await bytes
    })(),
    { objectMode: false },
  )
}

function consumed(by: string): HttpError {
  return createError(
    'ERR_BODY_CONSUMED',
    `The request body was already consumed by ${by}; read it with c.req.bytes() (or text/json/form) first to read it more than once`,
  )
}
