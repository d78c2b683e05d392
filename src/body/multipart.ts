/** multipart/form-data with busboy (an optional peer, loaded on first use, so the core never loads it): fields and files within limits. */
import type { Readable } from 'node:stream'
import type { FileInfo } from 'busboy'
import { type ErrorCode, type HttpError, createError } from '../errors.js'
import { requireOptional } from '../utils/optional.js'
import type { ResolvedLimits } from './limits.js'

/** A file as it arrives: read `stream` (or leave it; it is drained when your callback returns). */
export interface FilePart {
  /** The form field name. */
  readonly field: string
  /** The file name the client sent (UTF-8); never use it as a path as is. */
  readonly filename: string
  /** Its `Content-Type`, `application/octet-stream` when the client sent none. */
  readonly type: string
  /** The file's bytes; errors with 413 `ERR_BODY_FILE_TOO_LARGE` past `limits.fileSize`. */
  readonly stream: Readable
}

/** A received file: its metadata and what was kept of it (the bytes, or what `onFile` returned). */
export interface MultipartFile<T = Uint8Array> {
  readonly field: string
  readonly filename: string
  readonly type: string
  readonly content: T
}

/** A parsed multipart body. `fields` has a null prototype; a repeated name gives an array. */
export interface MultipartBody<T = Uint8Array> {
  readonly fields: Record<string, string | string[]>
  readonly files: MultipartFile<T>[]
}

/** Options of `c.req.multipart()`. */
export interface MultipartOptions<T> {
  /**
   * Called for each file as it arrives; what it returns (awaited) becomes the file's `content`. Without it,
   * files are read into memory (within the body limit).
   */
  onFile?: (file: FilePart) => T | Promise<T>
}

type Busboy = typeof import('busboy')

function fail(code: ErrorCode, message?: string, cause?: unknown, limit?: number): HttpError {
  return createError(code, message, { cause, details: limit === undefined ? undefined : { limit } })
}

/**
 * Parses a multipart body from bytes or a stream. Limits: `fields`, `fieldSize`, `files`, `fileSize`
 * (413 each); a missing boundary or a malformed body is 400 `ERR_BODY_INVALID_MULTIPART`. Resolves once
 * every part is parsed and every `onFile` has settled; on the first failure the source is destroyed.
 */
export async function parseMultipart<T>(
  source: Uint8Array | Readable,
  contentType: string,
  limits: ResolvedLimits,
  onFile: ((file: FilePart) => T | Promise<T>) | undefined,
): Promise<MultipartBody<T>> {
  let bb: ReturnType<Busboy>
  try {
    // busboy is an optional peer; a missing one is 500 ERR_MISSING_DEPENDENCY (logged with the install command).
    const busboy = requireOptional<Busboy>('busboy', 'Reading a multipart body')
    bb = busboy({
      headers: { 'content-type': contentType },
      defParamCharset: 'utf8',
      // busboy flags a value that *reaches* its size limit; ours refuse only what passes it.
      limits: { fields: limits.fields, fieldSize: limits.fieldSize + 1, fieldNameSize: 1024, files: limits.files, fileSize: limits.fileSize + 1 },
    })
  } catch (err) {
    if (!(source instanceof Uint8Array)) source.destroy()
    if ((err as HttpError | undefined)?.code === 'ERR_MISSING_DEPENDENCY') throw err
    throw fail('ERR_BODY_INVALID_MULTIPART', `The multipart body cannot be parsed: ${(err as Error).message}`, err)
  }
  return new Promise((resolve, reject) => new Parse(bb, source, limits, onFile, resolve, reject).start())
}

type Entry<T> = { -readonly [K in keyof MultipartFile<T>]: MultipartFile<T>[K] }

/** One multipart parse: busboy's events into fields and files; the first failure stops everything. */
class Parse<T> {
  readonly #fields: Record<string, string | string[]> = Object.create(null)
  readonly #files: Entry<T>[] = []
  readonly #pending: Promise<void>[] = []
  #failed = false

  constructor(
    readonly bb: ReturnType<Busboy>,
    readonly source: Uint8Array | Readable,
    readonly limits: ResolvedLimits,
    readonly onFile: MultipartOptions<T>['onFile'],
    readonly resolve: (body: MultipartBody<T>) => void,
    readonly reject: (err: Error) => void,
  ) {}

  start(): void {
    const { bb, source, limits } = this
    bb.on('field', this.#field)
    bb.on('file', this.#file)
    bb.on('filesLimit', () => this.#stop(fail('ERR_BODY_TOO_MANY_FILES', `More than ${limits.files} files`, undefined, limits.files)))
    bb.on('fieldsLimit', () => this.#stop(fail('ERR_BODY_TOO_MANY_FIELDS', `More than ${limits.fields} fields`, undefined, limits.fields)))
    bb.on('error', (err: Error) => this.#stop(asHttp(err)))
    bb.on('close', () => {
      Promise.all(this.#pending).then(() => this.#failed || this.resolve({ fields: this.#fields, files: this.#files }), this.#stop)
    })
    if (source instanceof Uint8Array) bb.end(source)
    else {
      source.on('error', (err) => this.#stop(asHttp(err)))
      source.pipe(bb)
    }
  }

  readonly #stop = (err: Error): void => {
    if (this.#failed) return
    this.#failed = true
    const { bb, source } = this
    if (!(source instanceof Uint8Array)) {
      source.unpipe(bb)
      source.destroy()
    }
    bb.removeAllListeners('close')
    bb.on('error', () => {})
    bb.destroy()
    this.reject(err)
  }

  readonly #field = (name: string, value: string, info: { nameTruncated: boolean; valueTruncated: boolean }): void => {
    if (info.nameTruncated || info.valueTruncated) return this.#stop(fail('ERR_BODY_FIELD_TOO_LARGE', undefined, undefined, this.limits.fieldSize))
    const prev = this.#fields[name]
    this.#fields[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value]
  }

  readonly #file = (field: string, stream: Readable, info: FileInfo): void => {
    const entry: Entry<T> = { field, filename: info.filename ?? '', type: info.mimeType || 'application/octet-stream', content: undefined as T }
    this.#files.push(entry)
    // Whoever reads the stream sees its error; this listener only keeps an unread stream's error from
    // being unhandled.
    stream.on('error', () => {})
    stream.on('limit', () => {
      const limit = this.limits.fileSize
      const err = fail('ERR_BODY_FILE_TOO_LARGE', `The file "${entry.filename}" is larger than ${limit} bytes`, undefined, limit)
      stream.destroy(err)
      // busboy still touches its file stream after emitting 'limit': stop it on the next tick.
      process.nextTick(this.#stop, err)
    })
    this.#pending.push(keep(entry, stream, this.onFile).catch(this.#stop))
  }
}

/** Keeps a file: its bytes, or what `onFile` returned; an unread stream is drained so parsing goes on. */
async function keep<T>(entry: { content: T } & Omit<FilePart, 'stream'>, stream: Readable, onFile: MultipartOptions<T>['onFile']): Promise<void> {
  if (onFile === undefined) {
    const chunks: Buffer[] = []
    for await (const chunk of stream) chunks.push(chunk as Buffer)
    entry.content = Buffer.concat(chunks) as T
    return
  }
  try {
    entry.content = await onFile({ ...entry, stream })
  } finally {
    if (!stream.destroyed) stream.resume()
  }
}

/** A busboy or source error as an HttpError (the source's own 4xx errors are kept). */
function asHttp(err: unknown): HttpError {
  if (typeof err === 'object' && err !== null && typeof (err as HttpError).status === 'number') return err as HttpError
  const message = err instanceof Error ? err.message : String(err)
  return fail('ERR_BODY_INVALID_MULTIPART', `The multipart body cannot be parsed: ${message}`, err)
}
