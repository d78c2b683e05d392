/** In-memory requests: the app's handler run against stand-ins of Node's request and response. */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http'
import { Readable, Writable } from 'node:stream'
import type { ReadableStream as NodeReadableStream } from 'node:stream/web'

type Handle = (req: IncomingMessage, res: ServerResponse) => void

/**
 * Runs `handle` for one request without a socket. A string input is used verbatim as the request
 * target (no URL normalisation, so `/a/../b` and bad escapes reach the router as a client sent them).
 * Resolves when the response head is written; the body streams as the app writes it.
 *
 * When the response finishes (Node's `finish` and `close`, which the access log and stats wait for):
 * a buffered body (`end(body)`) at once, read or not; a streamed body when the caller has read it to the
 * end, cancelled it, or dropped it and the collector took it (the app's source is then destroyed).
 */
export function requestInMemory(handle: Handle, input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
  const source = input instanceof Request ? input : undefined
  const target = source ? new URL(source.url) : typeof input === 'string' && input.startsWith('/') ? undefined : new URL(input as string | URL)
  const url = target ? target.pathname + target.search : (input as string)
  const method = (init.method ?? source?.method ?? 'GET').toUpperCase()
  const headers = new Headers(init.headers ?? source?.headers)
  let body: ReadableStream<Uint8Array> | null = source?.body ?? null
  if (init.body !== undefined && init.body !== null) {
    // Let the platform turn any BodyInit into bytes and a default Content-Type.
    const carrier = new Request('http://localhost/', { method: 'POST', body: init.body, duplex: 'half' } as RequestInit)
    body = carrier.body
    const type = carrier.headers.get('content-type')
    if (type && !headers.has('content-type')) headers.set('content-type', type)
  }
  if (!headers.has('host')) headers.set('host', target?.host || 'localhost')
  const req = makeRequest(method, url, headers, body)
  return new Promise((resolve, reject) => {
    const res = new MemoryResponse(method, resolve)
    // Let go of the promise (and so of the Response) once settled: a dropped body must be collectable.
    // The listener stays: an error after the head is the body stream's, and must not be thrown.
    let fail: ((err: Error) => void) | undefined = reject
    res.on('error', (err) => fail?.(err))
    res.once('head', () => {
      fail = undefined
    })
    handle(req, res as unknown as ServerResponse)
  })
}

function makeRequest(method: string, url: string, headers: Headers, body: ReadableStream<Uint8Array> | null): IncomingMessage {
  const stream = body ? Readable.fromWeb(body as NodeReadableStream<Uint8Array>) : Readable.from([])
  const plain: Record<string, string> = {}
  const rawHeaders: string[] = []
  for (const [k, v] of headers) {
    plain[k] = v
    rawHeaders.push(k, v)
  }
  return Object.assign(stream, {
    method,
    url,
    headers: plain,
    rawHeaders,
    httpVersion: '1.1',
    httpVersionMajor: 1,
    httpVersionMinor: 1,
    socket: { remoteAddress: '127.0.0.1', encrypted: false, destroyed: false },
  }) as unknown as IncomingMessage
}

/** A body stream the caller dropped unread: its response is destroyed, which stops the app's source. */
const dropped = new FinalizationRegistry<MemoryResponse>((res) => {
  if (!res.writableFinished) res.destroy()
})

/** The subset of `ServerResponse` that weir's `respond` and most escape-hatch code use. */
class MemoryResponse extends Writable {
  statusCode = 200
  headersSent = false
  readonly #method: string
  #resolve: ((r: Response) => void) | undefined
  readonly #headers: OutgoingHttpHeaders = {}
  // Weak, so a body the caller dropped can be collected (see `dropped`); the stream holds this response.
  #controller: WeakRef<ReadableStreamDefaultController<Uint8Array>> | undefined
  // Strong while the reader wants data (a pending read): then the reader's frame is reachable only through
  // the stream, and a weak link alone would let the collector take a body that is being read.
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: held for the reference it keeps, never read
  #wanted: ReadableStreamDefaultController<Uint8Array> | undefined
  #waiting: (() => void) | undefined
  #ending = false

  constructor(method: string, resolve: (r: Response) => void) {
    super()
    this.#method = method
    this.#resolve = resolve
  }

  setHeader(name: string, value: string | number | readonly string[]): this {
    this.#headers[name.toLowerCase()] = typeof value === 'object' ? [...value] : value
    return this
  }

  getHeader(name: string): string | number | string[] | undefined {
    return this.#headers[name.toLowerCase()]
  }

  removeHeader(name: string): void {
    delete this.#headers[name.toLowerCase()]
  }

  writeHead(status: number, headers?: OutgoingHttpHeaders): this {
    if (this.headersSent) throw Object.assign(new Error('Cannot write headers after they are sent'), { code: 'ERR_HTTP_HEADERS_SENT' })
    this.statusCode = status
    Object.assign(this.#headers, headers)
    this.headersSent = true
    const h = new Headers()
    for (const [k, v] of Object.entries(this.#headers)) {
      if (Array.isArray(v)) for (const x of v) h.append(k, x)
      else if (v !== undefined) h.set(k, String(v))
    }
    const empty = this.#method === 'HEAD' || status === 204 || status === 304
    const body = empty ? null : new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.#controller = new WeakRef(controller)
        this.#wanted = controller
      },
      pull: (controller) => {
        this.#wanted = controller
        this.#release()
      },
      cancel: () => {
        this.destroy()
      },
    })
    if (body !== null) dropped.register(body, this)
    const resolve = this.#resolve
    this.#resolve = undefined
    resolve?.(new Response(body, { status, headers: h }))
    this.emit('head')
    return this
  }

  /** `end(body)` holds the whole body already: it is queued without waiting for the reader. */
  override end(...args: unknown[]): this {
    if (args[0] != null && typeof args[0] !== 'function') this.#ending = true
    return super.end(...(args as Parameters<Writable['end']>))
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (!this.headersSent) this.writeHead(this.statusCode)
    const c = this.#controller?.deref()
    if (c === undefined) return cb()
    c.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))
    const more = (c.desiredSize ?? 1) > 0
    // Queue full, nobody reading now: hold the stream only weakly, so a caller that dropped it frees it.
    this.#wanted = more ? c : undefined
    if (this.#ending || more) cb()
    else this.#waiting = cb
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (!this.headersSent) this.writeHead(this.statusCode)
    this.#controller?.deref()?.close()
    cb()
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.#release()
    if (!this.writableFinished) {
      try {
        this.#controller?.deref()?.error(err ?? new Error('The response was aborted'))
      } catch {
        // already closed or cancelled by the reader
      }
    }
    cb(err)
  }

  #release(): void {
    const cb = this.#waiting
    this.#waiting = undefined
    cb?.()
  }
}
