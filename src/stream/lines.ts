/** Line-wise reading of a byte or text stream: `lines(source).filter(…).map(…)`, which is a response body as is. */
import { Readable } from 'node:stream'
import { createError } from '../errors.js'

/**
 * What {@link lines} reads: a Node or Web stream, an (async) iterable of chunks, or one string or byte array.
 *
 * @example
 * const source: LineSource = createReadStream('app.log')
 */
export type LineSource =
  | Readable
  | ReadableStream<Uint8Array | string>
  | AsyncIterable<Uint8Array | string>
  | Iterable<Uint8Array | string>
  | string
  | Uint8Array

/**
 * Options of {@link lines}.
 *
 * @example
 * lines(socket, { maxLineLength: 4096, overflow: 'truncate', eol: '\r\n' })
 */
export interface LinesOptions {
  /** Longest line kept, in characters (UTF-16 code units), terminator excluded. Default `65_536`. */
  maxLineLength?: number
  /**
   * What a longer line does. `'error'` (default): the stream fails with `ERR_STREAM_LINE_TOO_LONG`
   * (a response in progress ends broken). `'truncate'`: the line is cut to `maxLineLength` characters
   * and the rest of it, up to the next line break, is dropped.
   */
  overflow?: 'error' | 'truncate'
  /** Appended to each line when the stream is used as a body. Default `'\n'`. */
  eol?: string
}

type Op = (line: string) => string | undefined
type Settings = Readonly<Required<LinesOptions>>
type Chunk = Uint8Array | string
const DONE: IteratorReturnResult<undefined> = { done: true, value: undefined }

/**
 * Splits a byte or text stream into lines (`\n` or `\r\n`; bytes decoded as UTF-8), with a maximum line
 * length, and filters or maps them line by line. Nothing is read ahead: a line is read when the consumer
 * asks for it, so a slow client slows the source. Iterating the stream, as `respond` does, yields text
 * chunks made of whole lines, each followed by `eol`; {@link LineStream.values} yields single lines.
 * Stopping the iteration (a client that left) stops the source at once: a Node stream is destroyed, a Web
 * stream cancelled, an iterator returned. A line stream and the streams derived from it are read once.
 *
 * @example
 * app.get('/logs', (c) => {
 *   c.header('content-type', 'text/plain; charset=utf-8')
 *   return lines(createReadStream('app.log')).filter((l) => l.includes(c.req.query.match ?? ''))
 * })
 */
export function lines(source: LineSource, options: LinesOptions = {}): LineStream {
  const maxLineLength = options.maxLineLength ?? 65_536
  if (!Number.isInteger(maxLineLength) || maxLineLength < 1) {
    throw new TypeError(`lines(): maxLineLength must be a positive integer, got ${maxLineLength}`)
  }
  const overflow = options.overflow ?? 'error'
  if (overflow !== 'error' && overflow !== 'truncate') throw new TypeError(`lines(): overflow must be 'error' or 'truncate', got ${overflow}`)
  const eol = options.eol ?? '\n'
  if (typeof eol !== 'string') throw new TypeError('lines(): eol must be a string')
  return new LineStream(source, { maxLineLength, overflow, eol }, [])
}

/**
 * Lines of a stream, filtered and mapped lazily. Async-iterable as a text body; see {@link lines}.
 *
 * @example
 * for await (const line of lines(socket).map((l) => l.trim()).values()) console.log(line)
 */
export class LineStream implements AsyncIterable<string> {
  readonly #source: LineSource
  readonly #settings: Settings
  readonly #ops: readonly Op[]

  /** @internal Use {@link lines}. */
  constructor(source: LineSource, settings: Settings, ops: readonly Op[]) {
    this.#source = source
    this.#settings = settings
    this.#ops = ops
  }

  /**
   * Keeps the lines `predicate` accepts (it gets each line without its terminator).
   *
   * @example
   * lines(log).filter((l) => !l.startsWith('DEBUG'))
   */
  filter(predicate: (line: string) => boolean): LineStream {
    if (typeof predicate !== 'function') throw new TypeError('filter() needs a function')
    return new LineStream(this.#source, this.#settings, [...this.#ops, (l) => (predicate(l) ? l : undefined)])
  }

  /**
   * Replaces each line by `fn(line)`.
   *
   * @example
   * lines(log).map((l) => l.toUpperCase())
   */
  map(fn: (line: string) => string): LineStream {
    if (typeof fn !== 'function') throw new TypeError('map() needs a function')
    return new LineStream(this.#source, this.#settings, [...this.#ops, fn])
  }

  /**
   * The lines one by one, without terminators.
   *
   * @example
   * for await (const line of lines(file).values()) count++
   */
  async *values(): AsyncGenerator<string, void, undefined> {
    const split = new Splitter(this.#source, this.#settings, this.#ops)
    try {
      for (let b = await split.batch(); b !== undefined; b = await split.batch()) yield* b
    } finally {
      split.stop()
    }
  }

  /** Text chunks of whole lines, each line followed by `eol`: what a response writes. */
  [Symbol.asyncIterator](): AsyncIterator<string> {
    const split = new Splitter(this.#source, this.#settings, this.#ops)
    const eol = this.#settings.eol
    return {
      async next() {
        const b = await split.batch()
        return b === undefined ? DONE : { done: false, value: b.join(eol) + eol }
      },
      async return() {
        split.stop()
        return DONE
      },
    }
  }
}

/** One pass over a source: pulls chunks, splits them into lines, applies the operations. */
class Splitter {
  readonly #pull: Pull
  readonly #max: number
  readonly #truncate: boolean
  readonly #ops: readonly Op[]
  readonly #decoder = new TextDecoder()
  #rest = ''
  #skipping = false
  #ended = false
  #stopped = false

  constructor(source: LineSource, settings: Settings, ops: readonly Op[]) {
    this.#pull = puller(source)
    this.#max = settings.maxLineLength
    this.#truncate = settings.overflow === 'truncate'
    this.#ops = ops
  }

  /** The next non-empty batch of lines, or `undefined` at the end. */
  async batch(): Promise<string[] | undefined> {
    while (!this.#ended) {
      let chunk: Chunk | undefined
      try {
        chunk = await this.#pull.next()
      } catch (err) {
        if (this.#stopped) return undefined
        throw err
      }
      if (this.#stopped) return undefined
      const out: string[] = []
      if (chunk === undefined) this.#finish(out)
      else this.#split(typeof chunk === 'string' ? chunk : this.#decoder.decode(chunk, { stream: true }), out)
      if (out.length > 0) return out
    }
    return undefined
  }

  /** Stops the source now, even while a read is pending. */
  stop(): void {
    if (this.#stopped) return
    this.#stopped = true
    this.#ended = true
    this.#pull.stop()
  }

  #split(text: string, out: string[]): void {
    const t = this.#rest.length > 0 ? this.#rest + text : text
    let start = 0
    for (let nl = t.indexOf('\n'); nl !== -1; nl = t.indexOf('\n', start)) {
      if (this.#skipping) this.#skipping = false
      else this.#emit(t.slice(start, nl > start && t.charCodeAt(nl - 1) === 13 ? nl - 1 : nl), out)
      start = nl + 1
    }
    let rest = start === 0 ? t : t.slice(start)
    // Still inside an over-long line being dropped, or past the limit without a line break yet.
    if (this.#skipping) rest = ''
    else if (rest.length > this.#max + 1 || (rest.length === this.#max + 1 && rest.charCodeAt(this.#max) !== 13)) {
      this.#emit(rest, out)
      this.#skipping = true
      rest = ''
    }
    this.#rest = rest
  }

  #finish(out: string[]): void {
    this.#ended = true
    const tail = this.#decoder.decode()
    if (tail.length > 0) this.#split(tail, out)
    if (this.#rest.length > 0 && !this.#skipping) this.#emit(this.#rest, out)
    this.#rest = ''
  }

  #emit(line: string, out: string[]): void {
    let l: string | undefined = line
    if (l.length > this.#max) {
      if (!this.#truncate) throw createError('ERR_STREAM_LINE_TOO_LONG', `A line is longer than ${this.#max} characters (maxLineLength)`)
      l = l.slice(0, this.#max)
    }
    for (const op of this.#ops) {
      l = op(l)
      if (l === undefined) return
    }
    out.push(l)
  }
}

/** Chunks from any source, and a way to stop it that does not wait for a pending read. */
interface Pull {
  next(): Promise<Chunk | undefined> | Chunk | undefined
  stop(): void
}

function puller(source: LineSource): Pull {
  if (typeof source === 'string' || source instanceof Uint8Array) {
    let chunk: Chunk | undefined = source
    return {
      next: () => {
        const c = chunk
        chunk = undefined
        return c
      },
      stop: () => {},
    }
  }
  if (source instanceof ReadableStream) {
    const reader = source.getReader()
    return {
      next: () => reader.read().then((r) => (r.done ? undefined : r.value)),
      stop: () => void reader.cancel().catch(() => {}),
    }
  }
  const it =
    Symbol.asyncIterator in source
      ? (source as AsyncIterable<Chunk>)[Symbol.asyncIterator]()
      : (source as Iterable<Chunk>)[Symbol.iterator]()
  return {
    next: () => {
      const r = it.next()
      return r instanceof Promise ? r.then((x) => (x.done ? undefined : x.value)) : r.done ? undefined : r.value
    },
    // A Node stream's own iterator only returns after its pending read; destroying it ends that read now.
    stop: () => {
      if (source instanceof Readable) source.destroy()
      else Promise.resolve(it.return?.()).catch(() => {})
    },
  }
}
