/** The access log: one line per request when its response has really ended — JSON through pino, or a template. */
import type { Context } from '../../core/context.js'
import type { Logger, Middleware } from '../../core/types.js'
import { captureResponse } from '../capture/index.js'
import { type Finished, countBody, onFinished } from '../stats/measure.js'
import { lineDestination } from './destination.js'
import { writeAccessLine } from './fast.js'
import { accessRecord, capturedBodies, keepRequestBody, logBody, peerEndpoint } from './json.js'
import { compileTemplate } from './template.js'

export { type CreateLoggerOptions, DEFAULT_REDACT, createLogger } from './create-logger.js'
export { type LineDestination, type LineDestinationOptions, lineDestination } from './destination.js'
export { type AccessRecord, SECRET_KEYS, capturedBodies, logBody } from './json.js'
export { prettyLine, prettyStream } from './pretty.js'
export { TOKENS, compileTemplate } from './template.js'

/** A level of the access log. */
export type AccessLevel = 'debug' | 'info' | 'warn' | 'error'

/** Options of {@link logger}. */
export interface LoggerOptions {
  /**
   * `'json'` (default): one pino line of {@link AccessRecord} fields; or a template such as
   * `'{method} {url} {status} {size-human} - {latency-ms} ms'` (tokens in docs/middleware/logger.md).
   */
  format?: string
  /** JSON: the logger written through. Default: the app's logger (`c.appLog`; `requestId` is a field of the line). */
  logger?: Logger
  /** JSON: the line's level. Default `error` for 5xx, `warn` when aborted, else `info`. */
  level?: (f: Finished, c: Context) => AccessLevel
  /** JSON: the line's message. Default `'http access log'`. */
  message?: string
  /** Template: receives each line, without a newline. Default: stdout, newline-terminated, buffered for one event-loop turn. */
  write?: (line: string, c: Context) => void
  /**
   * JSON: add `requestBody` (as the handler read it through `c.req`) and `responseBody` (the body sent,
   * before compression: captured by the logger itself, or by a `capture()` nearer the handler), redacted
   * and truncated. Default: debug mode. Off, nothing is captured.
   */
  bodies?: boolean
  /** Longest logged body, characters. Default `1024`. */
  maxBodyLength?: number
  /** Requests not logged (health probes, say). Default: none. */
  skip?: (c: Context) => boolean
}

const defaultLevel = (f: Finished): AccessLevel => (f.status >= 500 ? 'error' : f.aborted ? 'warn' : 'info')

/**
 * The access log. Lines are written when the response has ended (streams included, with their real size)
 * or the client left (`aborted`); the status is the one sent, after `recover()` or the app's error answer.
 * A bad option or an unknown template token throws `TypeError` here.
 *
 * @example
 * app.use(requestId(), logger())                                     // JSON through c.log
 * app.use(logger({ format: '{method} {url} {status} {size-human} - {latency-ms} ms' }))
 */
export function logger(options: LoggerOptions = {}): Middleware {
  const json = options.format === undefined || options.format === 'json'
  const done = json ? jsonLine(options) : templateLine(options)
  const skip = checkFn(options.skip, 'skip')
  const bodies = json ? options.bodies : false
  // Enough bytes for maxBodyLength characters of UTF-8, so a JSON body is whole when it is redacted.
  const begin = bodies === false ? undefined : captureResponse({ maxBytes: Math.max(4096, 4 * (options.maxBodyLength ?? 1024)) })
  // Not an async function: below a synchronous chain it answers synchronously (no promise per request).
  return function logger(c, next) {
    if (skip?.(c)) return next()
    // Node reads the peer address lazily and cannot once the socket is gone: read it now, so a client
    // that aborts a stream is still logged with its address.
    peerEndpoint(c.raw.req)
    onFinished(c, done)
    // Bodies (debug mode by default): the response body is captured before any compression inside.
    const end = begin !== undefined && (bodies ?? c.mode === 'debug') ? begin(c) : undefined
    let out: Promise<void> | void
    try {
      out = next()
    } catch (err) {
      countBody(c)
      throw err
    }
    if (out == null || typeof out.then !== 'function') return after(c, end)
    return out.then(
      () => after(c, end),
      (err: unknown) => {
        countBody(c)
        throw err
      },
    )
  }
}

/** After the layers below: counts a streamed body, and keeps the bodies for a debug line. */
function after(c: Context, end: (() => void) | undefined): Promise<void> | undefined {
  countBody(c)
  if (end === undefined) return
  end()
  return keepRequestBody(c)
}

function jsonLine(options: LoggerOptions): (f: Finished, c: Context) => void {
  const level = checkFn(options.level, 'level') ?? defaultLevel
  const message = options.message ?? 'http access log'
  const max = options.maxBodyLength ?? 1024
  if (!Number.isInteger(max) || max < 1) throw new TypeError(`logger(): maxBodyLength must be a positive integer, got ${max}`)
  const fixed = options.logger
  if (fixed !== undefined && typeof fixed?.info !== 'function') throw new TypeError('logger(): logger must have info/warn/error/debug methods')
  return (f, c) => {
    const rec = accessRecord(c, f)
    if (options.bodies ?? c.mode === 'debug') {
      const { request, response } = capturedBodies(c)
      if (request !== undefined) rec.requestBody = logBody(request, max)
      if (response !== undefined) rec.responseBody = logBody(response, max)
    }
    // Not `c.log`: a pino child per request (its bindings go through redaction) costs more than the line.
    const log = fixed ?? c.appLog
    const lvl = level(f, c)
    if (!writeAccessLine(log, lvl, rec, message)) log[lvl](rec, message)
  }
}

function templateLine(options: LoggerOptions): (f: Finished, c: Context) => void {
  const build = compileTemplate(options.format!)
  const write = checkFn(options.write, 'write') ?? stdoutWriter()
  return (f, c) => write(build(c, f), c)
}

function stdoutWriter(): (line: string) => void {
  let out: { write(s: string): void } | undefined
  return (line) => {
    out ??= lineDestination(1)
    out.write(`${line}\n`)
  }
}

function checkFn<F>(fn: F | undefined, name: string): F | undefined {
  if (fn !== undefined && typeof fn !== 'function') throw new TypeError(`logger(): ${name} must be a function`)
  return fn
}
