/** Server-Sent Events: the writer `c.sse(…)` hands to a callback, and the body (a Node Readable) it feeds. */
import { Readable } from 'node:stream'
import { FLUSH } from './flush.js'

/**
 * One event. `data` that is not a string is sent as JSON; a string may span lines.
 *
 * @example
 * const m: SSEMessage = { event: 'price', id: 42, data: { eur: 10.5 }, retry: 5000 }
 */
export interface SSEMessage {
  /** The payload: a string (each line becomes a `data:` line) or any JSON value. */
  data?: unknown
  /** The event name (`addEventListener(name)` on the client). No CR or LF. */
  event?: string
  /** The event id, echoed by a reconnecting client as `Last-Event-ID`. No CR, LF or NUL. */
  id?: string | number
  /** The client's reconnection delay, ms. */
  retry?: number
}

/**
 * An event: a message, or a string sent as its `data`.
 *
 * @example
 * await stream.send('hello') // same as { data: 'hello' }
 */
export type SSEEvent = SSEMessage | string

/**
 * What `c.sse` streams: a callback given the writer (the stream ends when it settles), or an (async) iterable of events.
 *
 * @example
 * c.sse(async (stream) => { await stream.send('hi') })
 */
export type SSESource = ((stream: SSEStream) => unknown) | AsyncIterable<SSEEvent> | Iterable<SSEEvent>

/**
 * Options of `c.sse`.
 *
 * @example
 * c.sse(events(), { heartbeat: 10_000, retry: 3000 })
 */
export interface SSEOptions {
  /** Interval of heartbeat comments while no event was sent, ms; `0` turns them off. Default `15_000`. */
  heartbeat?: number
  /** A `retry:` field sent first, ms. Default none. */
  retry?: number
}

/**
 * The writer of an SSE response. Sends wait for the client (backpressure): `await` them.
 *
 * @example
 * app.get('/ticks', (c) => c.sse(async (stream) => {
 *   for (let i = 0; !stream.closed; i++) {
 *     await stream.send({ event: 'tick', id: i, data: { i } })
 *     await new Promise((r) => setTimeout(r, 1000))
 *   }
 * }))
 */
export class SSEStream {
  /** The `Last-Event-ID` request header of a reconnecting client, if any. */
  readonly lastEventId: string | undefined
  /** The body written to the response; marked {@link FLUSH} so compression flushes every event. @internal */
  readonly body: Readable
  readonly #abort = new AbortController()
  readonly #source: SSESource
  readonly #heartbeat: number
  readonly #retry: number | undefined
  #waiting: Array<(sent: boolean) => void> = []
  #timer: NodeJS.Timeout | undefined
  #iterator: { return?: () => unknown } | undefined
  #started = false
  #closed = false
  #quiet = true

  /** @internal Made by `c.sse`. */
  constructor(source: SSESource, options: SSEOptions, lastEventId: string | undefined) {
    if (typeof source !== 'function' && !isIterable(source)) throw new TypeError('c.sse() takes a callback or an (async) iterable of events')
    const heartbeat = options.heartbeat ?? 15_000
    if (!Number.isFinite(heartbeat) || heartbeat < 0) throw new TypeError(`sse heartbeat must be a non-negative number of ms, got ${heartbeat}`)
    if (options.retry !== undefined) checkRetry(options.retry)
    this.#source = source
    this.#heartbeat = heartbeat
    this.#retry = options.retry
    this.lastEventId = lastEventId
    this.body = new Readable({ read: () => this.#pulled(), destroy: (err, cb) => this.#destroyed(err, cb) })
    Object.defineProperty(this.body, FLUSH, { value: true })
  }

  /** Fires when the stream ends: the client left, the source finished, or `close()` was called. */
  get signal(): AbortSignal {
    return this.#abort.signal
  }

  /** `true` once the stream ended or the client left: further sends are dropped. */
  get closed(): boolean {
    return this.#closed
  }

  /**
   * Sends an event. Resolves `true` once the socket took it (or has room for more), `false` if the
   * stream is closed. Throws `TypeError` for an event name or id that would break the framing.
   *
   * @example
   * await stream.send({ event: 'price', id: 42, data: { eur: 10.5 } })
   * await stream.send('line one\nline two')   // two data: lines, one event
   */
  send(event: SSEEvent): Promise<boolean> {
    return this.#write(formatEvent(event))
  }

  /**
   * Sends a comment line (ignored by clients; keeps proxies from closing an idle connection).
   *
   * @example
   * await stream.comment('still here')
   */
  comment(text = ''): Promise<boolean> {
    return this.#write(formatComment(text))
  }

  /** Resolves when the stream ends (the client left, or `close()`): `await stream.untilClosed()` keeps it open. */
  untilClosed(): Promise<void> {
    if (this.#closed) return Promise.resolve()
    return new Promise((resolve) => this.#abort.signal.addEventListener('abort', () => resolve(), { once: true }))
  }

  /** Ends the stream after the events already sent. */
  close(): void {
    if (this.#closed) return
    this.#stop(new Error('The event stream was closed'))
    this.body.push(null)
  }

  #write(text: string): Promise<boolean> {
    if (this.#closed) return Promise.resolve(false)
    this.#quiet = false
    if (this.body.push(text)) return Promise.resolve(true)
    return new Promise((resolve) => this.#waiting.push(resolve))
  }

  #pulled(): void {
    if (!this.#started) this.#start()
    this.#release(true)
  }

  #start(): void {
    this.#started = true
    if (this.#retry !== undefined) this.body.push(`retry: ${this.#retry}\n\n`)
    if (this.#heartbeat > 0) this.#timer = setInterval(() => this.#beat(), this.#heartbeat).unref()
    const source = this.#source
    Promise.resolve()
      .then(() => (typeof source === 'function' ? source(this) : this.#drain(source)))
      .then(
        () => this.close(),
        (err: unknown) => {
          // A source failing after the client left is not news; otherwise the response ends broken.
          if (!this.#closed) this.body.destroy(err instanceof Error ? err : new Error(String(err)))
        },
      )
  }

  async #drain(source: AsyncIterable<SSEEvent> | Iterable<SSEEvent>): Promise<void> {
    const it = Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : (source as Iterable<SSEEvent>)[Symbol.iterator]()
    this.#iterator = it
    for (let r = await it.next(); !r.done && !this.#closed; r = await it.next()) {
      if (!(await this.send(r.value))) break
    }
  }

  #beat(): void {
    if (this.#quiet && !this.#closed && this.body.readableLength === 0) this.body.push(': ping\n\n')
    this.#quiet = true
  }

  #destroyed(err: Error | null, cb: (err?: Error | null) => void): void {
    this.#stop(Object.assign(new Error('The client closed the event stream'), { code: 'ERR_CLIENT_GONE' }))
    cb(err)
  }

  #stop(reason: Error): void {
    if (this.#closed) return
    this.#closed = true
    clearInterval(this.#timer)
    this.#release(false)
    this.#abort.abort(reason)
    if (this.#iterator?.return) Promise.resolve(this.#iterator.return()).catch(() => {})
  }

  #release(sent: boolean): void {
    const waiting = this.#waiting
    if (waiting.length === 0) return
    this.#waiting = []
    for (const resolve of waiting) resolve(sent)
  }
}

/**
 * The wire form of one event (`event:`, `id:`, `retry:`, one `data:` line per line of data, a blank line).
 *
 * @example
 * formatEvent({ event: 'a', data: 'x\ny' }) // 'event: a\ndata: x\ndata: y\n\n'
 */
export function formatEvent(event: SSEEvent): string {
  const m: SSEMessage = typeof event === 'string' ? { data: event } : event
  if (typeof m !== 'object' || m === null) throw new TypeError('An SSE event is a string or { data, event, id, retry }')
  let out = ''
  if (m.event !== undefined) out += `event: ${field('event', String(m.event))}\n`
  if (m.id !== undefined) out += `id: ${field('id', String(m.id))}\n`
  if (m.retry !== undefined) out += `retry: ${checkRetry(m.retry)}\n`
  if (m.data !== undefined) {
    const text = typeof m.data === 'string' ? m.data : (JSON.stringify(m.data) ?? 'null')
    // WHATWG HTML §9.2.6: CRLF, CR and LF all end a line, so each becomes its own data: line.
    for (const line of text.split(/\r\n|\r|\n/)) out += `data: ${line}\n`
  }
  return `${out}\n`
}

function formatComment(text: string): string {
  return `${String(text)
    .split(/\r\n|\r|\n/)
    .map((l) => `: ${l}`)
    .join('\n')}\n\n`
}

function field(name: string, value: string): string {
  // A line break would start a new field (or event); the spec ignores ids containing NUL.
  if (/[\r\n]/.test(value) || (name === 'id' && value.includes('\0'))) {
    throw new TypeError(`SSE ${name} must not contain CR, LF${name === 'id' ? ' or NUL' : ''}: ${JSON.stringify(value)}`)
  }
  return value
}

function checkRetry(retry: number): number {
  if (!Number.isInteger(retry) || retry < 0) throw new TypeError(`SSE retry must be a non-negative integer of ms, got ${retry}`)
  return retry
}

function isIterable(v: unknown): v is AsyncIterable<SSEEvent> | Iterable<SSEEvent> {
  return typeof v === 'object' && v !== null && (Symbol.asyncIterator in v || Symbol.iterator in v)
}
