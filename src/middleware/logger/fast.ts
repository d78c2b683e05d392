/**
 * The access log's fast path: for loggers `createLogger` made (no custom pino formatters, hooks or mixins),
 * the line is built from its known fields and handed to pino's stream — the same bytes pino would write
 * (`level`, `time`, bindings, fields, `msg`), without pino's generic walk over the object (~1.5 µs a line).
 */
import type { Logger } from '../../core/types.js'
import type { AccessRecord } from './json.js'

/**
 * Set by `createLogger` on loggers whose output the fast path reproduces exactly; its value is the pino
 * module that made the logger (its private symbols), so this file never loads pino itself.
 */
export const PLAIN_PINO = Symbol.for('weir.logger.plainPino')

const METADATA = Symbol.for('pino.metadata')

/** What the fast path reads from the pino module: the symbols of a logger's internals and the level numbers. */
interface PinoModule {
  readonly symbols: object
  readonly levels: { readonly values: object }
}

type Pino = Record<symbol, unknown> & { [PLAIN_PINO]?: PinoModule }

/** What a line needs from a pino logger, read once: symbol lookups on a pino instance are slow. */
type Parts = { readonly log: Logger; readonly plain: false } | Plain

interface Plain {
  readonly log: Logger
  readonly plain: true
  readonly levels: Record<string, number>
  readonly levelVal: symbol
  readonly ls: Record<number, string>
  readonly time: () => string
  readonly chindings: string
  readonly end: string
  readonly stream: { write(s: string): unknown }
}

let last: Parts | undefined

function partsOf(log: Logger): Parts {
  if (last !== undefined && last.log === log) return last
  last = read(log)
  return last
}

function read(log: Logger): Parts {
  const p = log as unknown as Pino
  const mod = p[PLAIN_PINO]
  if (mod === undefined) return { log, plain: false }
  const S = mod.symbols as Record<string, symbol>
  const stream = p[S.streamSym!] as Plain['stream'] & { [METADATA]?: boolean }
  if (p[S.msgPrefixSym!] || stream?.[METADATA] === true) return { log, plain: false }
  return {
    log,
    plain: true,
    levels: mod.levels.values as Record<string, number>,
    levelVal: S.levelValSym!,
    ls: p[S.lsCacheSym!] as Record<number, string>,
    time: p[S.timeSym!] as () => string,
    chindings: p[S.chindingsSym!] as string,
    end: p[S.endSym!] as string,
    stream,
  }
}

/**
 * Writes an access line through the fast path; `false` when the logger is not one it can reproduce
 * (then the caller logs the record the ordinary way).
 *
 * @example
 * if (!writeAccessLine(log, 'info', record, 'http access log')) log.info(record, 'http access log')
 */
export function writeAccessLine(log: Logger, level: string, rec: AccessRecord, msg: string): boolean {
  const parts = partsOf(log)
  if (!parts.plain) return false
  const num = parts.levels[level]
  if (num === undefined) return false
  // The level can change at run time (`log.level = 'warn'`): read it each time.
  if (((log as unknown as Pino)[parts.levelVal] as number) > num) return true
  parts.stream.write(`${parts.ls[num]}${parts.time()}${parts.chindings}${fields(rec)},"msg":${str(msg)}${parts.end}`)
  return true
}

// Same order and omissions as pino: undefined fields are left out.
function fields(r: AccessRecord): string {
  let s = ''
  if (r.requestId !== undefined) s += `,"requestId":${str(r.requestId)}`
  s += `,"status":${r.status},"method":${str(r.method)},"protocol":"${r.protocol}"`
  if (r.contentType !== undefined) s += `,"contentType":${str(r.contentType)}`
  s += `,"clientIP":${str(r.clientIP)},"clientEndpoint":${str(r.clientEndpoint)},"path":${str(r.path)}`
  if (r.route !== undefined) s += `,"route":${str(r.route)}`
  s += `,"latency":${Number.isFinite(r.latency) ? r.latency : null}`
  if (r.userAgent !== undefined) s += `,"userAgent":${str(r.userAgent)}`
  s += `,"query":${str(r.query)},"size":${r.size}`
  if (r.aborted) s += ',"aborted":true'
  if (r.requestBody !== undefined) s += `,"requestBody":${str(r.requestBody)}`
  if (r.responseBody !== undefined) s += `,"responseBody":${str(r.responseBody)}`
  return s
}

// JSON string: most fields are plain ASCII without quotes or escapes; only the others pay for JSON.stringify.
function str(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i)
    if (ch < 0x20 || ch === 0x22 || ch === 0x5c || (ch >= 0xd800 && ch <= 0xdfff)) return JSON.stringify(s)
  }
  return `"${s}"`
}
