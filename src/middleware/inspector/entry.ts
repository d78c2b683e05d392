/** One inspected request: what is kept while it runs, and the redacted views the page is sent. */
import type { Context } from '../../core/context.js'
import type { Logger } from '../../core/types.js'
import { SECRET_KEYS, logBody } from '../logger/index.js'
import type { Sized } from './buffer.js'

/** A log line written through `c.log` during the request. */
export interface LogLine {
  level: 'error' | 'warn' | 'info' | 'debug'
  /** Epoch ms. */
  time: number
  msg: string | undefined
  /** The line's fields, as written (redacted when shown). */
  fields: object
}

/** An error the request failed with. */
export interface EntryError {
  message: string
  code: string | undefined
  status: number | undefined
  stack: string | undefined
}

/** Everything kept about one request; bodies stay raw until shown (redaction costs only when looked at). */
export interface Entry extends Sized {
  readonly id: number
  /** Epoch ms at the start. */
  readonly time: number
  readonly method: string
  readonly path: string
  /** Raw query string without `?`. */
  readonly query: string
  readonly rawHeaders: string[]
  route: string | undefined
  requestId: string | undefined
  /** `undefined` while in flight. */
  status: number | undefined
  latency: number | undefined
  aborted: boolean
  /** Request body bytes: the size read, else `Content-Length` (set when done). */
  reqSize: number
  /** Response body bytes: so far while streaming, the total when done. */
  resSize: number
  /** The response is a stream (SSE, file, iterable) or a hand-written/upgraded one. */
  streamed: boolean
  resHeaders: Record<string, unknown> | undefined
  reqBody: Uint8Array | undefined
  reqType: string | undefined
  /** The first bytes of a streamed body, while it flows. */
  chunks: Uint8Array[] | undefined
  /** Text (as captured) for textual types; bytes of an error answer; absent for binary bodies (only sized). */
  resBody: string | Uint8Array | undefined
  resType: string | undefined
  resTruncated: boolean
  error: EntryError | undefined
  logs: LogLine[] | undefined
  bodyBytes: number
}

/** Starts an entry for `c`. */
export function newEntry(id: number, c: Context): Entry {
  const req = c.raw.req
  return {
    id,
    time: Date.now(),
    method: c.req.method,
    path: c.req.path,
    query: c.req.search,
    rawHeaders: req.rawHeaders,
    route: undefined,
    requestId: undefined,
    status: undefined,
    latency: undefined,
    aborted: false,
    reqSize: 0,
    resSize: 0,
    streamed: false,
    resHeaders: undefined,
    reqBody: undefined,
    reqType: undefined,
    chunks: undefined,
    resBody: undefined,
    resType: undefined,
    resTruncated: false,
    error: undefined,
    logs: undefined,
    bodyBytes: 0,
  }
}

/** Keeps `err` (the first one: later ones are usually the same error logged again). */
export function keepError(e: Entry, err: unknown): void {
  if (e.error !== undefined || err === null || typeof err !== 'object') return
  const o = err as { message?: unknown; code?: unknown; status?: unknown; stack?: unknown }
  e.error = {
    message: String(o.message ?? err),
    code: typeof o.code === 'string' ? o.code : undefined,
    status: typeof o.status === 'number' ? o.status : undefined,
    stack: typeof o.stack === 'string' ? o.stack : undefined,
  }
}

/** At most this many log lines are kept per request. */
const MAX_LINES = 100

/**
 * `c.log` while the inspector watches a request: each line is kept on the entry, then written by the
 * logger `c.log` would have been (the app's, a child with `requestId` once `requestId()` set it).
 */
export class RequestLog implements Logger {
  readonly #c: Context
  readonly #entry: Entry
  #inner: Logger | undefined

  constructor(c: Context, entry: Entry, inner?: Logger) {
    this.#c = c
    this.#entry = entry
    this.#inner = inner
  }

  error(obj: object, msg?: string): void {
    this.#keep('error', obj, msg).error(obj, msg)
  }
  warn(obj: object, msg?: string): void {
    this.#keep('warn', obj, msg).warn(obj, msg)
  }
  info(obj: object, msg?: string): void {
    this.#keep('info', obj, msg).info(obj, msg)
  }
  debug(obj: object, msg?: string): void {
    this.#keep('debug', obj, msg).debug(obj, msg)
  }

  child(bindings: Record<string, unknown>): Logger {
    const inner = this.#logger()
    return new RequestLog(this.#c, this.#entry, bind(inner, bindings))
  }

  #keep(level: LogLine['level'], obj: object, msg: string | undefined): Logger {
    const e = this.#entry
    e.logs ??= []
    if (e.logs.length < MAX_LINES) e.logs.push({ level, time: Date.now(), msg, fields: obj })
    const err = (obj as { err?: unknown } | null)?.err
    if (err !== undefined) keepError(e, err)
    return this.#logger()
  }

  // What the core's `c.log` would be: the app logger, or its child carrying the request id.
  #logger(): Logger {
    if (this.#inner !== undefined) return this.#inner
    const base = this.#c.appLog
    const id = this.#c.requestId
    if (id === undefined) return base
    this.#inner = bind(base, { requestId: id })
    return this.#inner
  }
}

// As the core binds c.log: pino's child, else the bindings merged into each line.
function bind(log: Logger, bindings: Record<string, unknown>): Logger {
  if (typeof log.child === 'function') return log.child(bindings)
  const wrap = (write: (obj: object, msg?: string) => void) => (obj: object, msg?: string) => write.call(log, { ...bindings, ...obj }, msg)
  return { error: wrap(log.error), warn: wrap(log.warn), info: wrap(log.info), debug: wrap(log.debug) }
}

const TEXTUAL = /^(?:text\/|application\/(?:[\w.-]+\+)?(?:json|xml|javascript|x-www-form-urlencoded|graphql|x-ndjson)\b)/i
const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\b/i

/** Whether a `Content-Type` is text the page can show. */
export function isTextual(type: string): boolean {
  let ok = textual.get(type)
  if (ok === undefined) {
    ok = TEXTUAL.test(type)
    // Responses reuse a handful of Content-Type strings.
    if (textual.size < 64) textual.set(type, ok)
  }
  return ok
}
const textual = new Map<string, boolean>()

/** A body as the page shows it. */
export interface BodyView {
  kind: 'none' | 'json' | 'text' | 'binary'
  /** Redacted text (json: compact; the page indents it). */
  text?: string
  /** Bytes of the whole body. */
  size: number
  truncated: boolean
}

/**
 * A body for the page, redacted by the access log's rules (`logBody`): secret JSON keys and form fields
 * become `[Redacted]`; a non-textual type is only its size.
 */
export function bodyView(body: string | Uint8Array | undefined, type: string | undefined, size: number, truncated: boolean, max: number): BodyView {
  if (size > 0 && type !== undefined && !isTextual(type)) return { kind: 'binary', size, truncated }
  if (body === undefined || size === 0) return { kind: 'none', size, truncated: false }
  const text = logBody(body, max) ?? ''
  if (text.startsWith('[binary ')) return { kind: 'binary', size, truncated }
  return { kind: type !== undefined && JSON_TYPE.test(type) ? 'json' : 'text', text, size, truncated }
}

/** Header pairs with secret-looking values (`Authorization`, `Cookie`, `Set-Cookie`, `X-Api-Key`…) redacted. */
export function headerPairs(pairs: Iterable<[string, unknown]>): Array<[string, string]> {
  const out: Array<[string, string]> = []
  for (const [name, v] of pairs) {
    const values = Array.isArray(v) ? v : [v]
    for (const x of values) out.push([name, secretHeader(name) ? '[Redacted]' : String(x)])
  }
  return out
}

const secretHeader = (name: string): boolean => SECRET_KEYS.test(name.replace(/[-_]/g, '')) || /^x-(api-)?(key|token|auth)/i.test(name)

/** `rawHeaders` (`[name, value, name, value…]`) as pairs. */
export function rawPairs(raw: string[]): Array<[string, string]> {
  const out: Array<[string, string]> = []
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i]!, raw[i + 1]!])
  return out
}

/** The query with secret-looking parameters redacted (the access log's rule). */
export function redactedQuery(q: string): string {
  return q === '' ? '' : (logBody(q, 4096) ?? '')
}

/** What the table shows of an entry (and what the live events carry). */
export interface Summary {
  id: number
  time: number
  method: string
  /** Path and redacted query. */
  url: string
  route: string | undefined
  status: number | undefined
  latency: number | undefined
  reqSize: number
  resSize: number
  requestId: string | undefined
  streamed: boolean
  /** A WebSocket session (an `Upgrade: websocket` request): in flight while open, then 101. */
  websocket: boolean
  aborted: boolean
  failed: boolean
}

export function summary(e: Entry): Summary {
  const q = redactedQuery(e.query)
  return {
    id: e.id,
    time: e.time,
    method: e.method,
    url: q === '' ? e.path : `${e.path}?${q}`,
    route: e.route,
    status: e.status,
    latency: e.latency,
    reqSize: e.reqSize,
    resSize: e.resSize,
    requestId: e.requestId,
    streamed: e.streamed,
    websocket: isWebSocket(e.rawHeaders),
    aborted: e.aborted,
    failed: e.error !== undefined,
  }
}

function isWebSocket(raw: string[]): boolean {
  for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i]!.toLowerCase() === 'upgrade') return raw[i + 1]!.toLowerCase() === 'websocket'
  return false
}

/** Everything the detail pane shows, redacted. */
export function detail(e: Entry, max: number): object {
  const logs = (e.logs ?? []).map((l) => ({ level: l.level, time: l.time, msg: l.msg, fields: logBody(safeJson(l.fields), max) }))
  return {
    ...summary(e),
    requestHeaders: headerPairs(rawPairs(e.rawHeaders)),
    responseHeaders: e.resHeaders === undefined ? [] : headerPairs(Object.entries(e.resHeaders)),
    requestBody: bodyView(e.reqBody, e.reqType, e.reqSize, e.reqBody !== undefined && e.reqBody.byteLength < e.reqSize, max),
    responseBody: bodyView(e.resBody, e.resType, e.resSize, e.resTruncated, max),
    timings: { total: e.latency },
    logs,
    error: e.error,
  }
}

// A log line's fields as JSON: errors become their message, code and stack; cycles are cut.
function safeJson(v: object): string {
  const seen = new WeakSet<object>()
  try {
    return JSON.stringify(v, (_k, x: unknown) => {
      if (x instanceof Error) return { message: x.message, code: (x as { code?: unknown }).code, stack: x.stack }
      if (typeof x === 'bigint') return String(x)
      if (x !== null && typeof x === 'object') {
        if (seen.has(x)) return '[Circular]'
        seen.add(x)
      }
      return x
    })
  } catch {
    return '{}'
  }
}
