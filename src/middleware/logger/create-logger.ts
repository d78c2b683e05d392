/** The app logger on pino: levels by mode, secrets redacted, any destination or transport, pretty in debug. */
import type { pino } from 'pino'
import { type Mode, resolveMode } from '../../utils/mode.js'
import { requireOptional } from '../../utils/optional.js'
import { lineDestination } from './destination.js'
import { PLAIN_PINO } from './fast.js'
import { prettyStream } from './pretty.js'

/**
 * Paths redacted by default. Only exact paths: pino's wildcard paths (`*.password`) cost 2–5 µs per line,
 * more than the rest of the line; add them yourself where you need them.
 */
export const DEFAULT_REDACT: readonly string[] = [
  'password',
  'token',
  'secret',
  'authorization',
  'cookie',
  'headers.authorization',
  'headers.cookie',
  'headers["set-cookie"]',
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'body.password',
  'body.token',
]

/** Options of {@link createLogger}. */
export interface CreateLoggerOptions {
  /** Lowest level written. Default by mode: `debug` → `'debug'`, `release` → `'info'`, `test` → `'error'`. */
  level?: pino.LevelWithSilent
  /** Run mode; decides the default level and pretty output. Default: `WEIR_MODE`/`NODE_ENV` (see `createApp`). */
  mode?: Mode
  /** Extra paths to redact (pino/fast-redact syntax: `user.ssn`, `headers["x-api-key"]`), added to {@link DEFAULT_REDACT}; `false` redacts nothing. */
  redact?: string[] | false
  /** What a redacted value becomes. Default `'[Redacted]'`. */
  censor?: string
  /** A file path, a file descriptor (1 stdout, 2 stderr) or any stream with `write(line)`. Default `1` (stdout). */
  destination?: string | number | pino.DestinationStream
  /** File and fd destinations: write each line at once. Default `false`: lines are buffered for one event-loop turn (≤ 64 KiB) and flushed on exit. */
  sync?: boolean
  /** A pino transport run in a worker thread (`pino/file`, `pino-elasticsearch`, …); replaces `destination`. */
  transport?: pino.TransportSingleOptions | pino.TransportMultiOptions | pino.TransportPipelineOptions
  /** Human-readable lines (weir's small printer, no pino-pretty). Default: debug mode on a TTY. Never in release. */
  pretty?: boolean
  /** Logger name, added as `name` to every line. */
  name?: string
  /** Fields on every line. Default pino's `{ pid, hostname }`; `null` for none. */
  base?: Record<string, unknown> | null
  /** Any other pino option, applied last. */
  pino?: pino.LoggerOptions
}

const LEVEL_BY_MODE: Record<Mode, pino.LevelWithSilent> = { debug: 'debug', release: 'info', test: 'error' }

/**
 * A pino logger for `createApp({ logger })`: `app.log`, `c.log` (a child carrying `requestId`) and the
 * access log all write through it. Errors logged under `err` get pino's serializer (type, message, stack, code).
 * Needs the optional package `pino` (`npm install pino`); without it this throws `ERR_MISSING_DEPENDENCY`.
 *
 * @example
 * import { createApp } from 'weir'
 * import { createLogger } from 'weir/logger'
 * const app = createApp({ logger: createLogger({ destination: '/var/log/app.log', redact: ['user.ssn'] }) })
 */
export function createLogger(options: CreateLoggerOptions = {}): pino.Logger {
  // pino is an optional peer: loaded here, so `weir/logger` and `recommended()` work without it.
  const pino = requireOptional<typeof import('pino')>('pino', 'createLogger()').pino
  const mode = resolveMode(options.mode)
  const level = options.level ?? LEVEL_BY_MODE[mode]
  if (!(level in pino.levels.values) && level !== 'silent') throw new TypeError(`createLogger(): unknown level ${JSON.stringify(level)}`)
  if (options.redact !== undefined && options.redact !== false && !Array.isArray(options.redact)) {
    throw new TypeError('createLogger(): redact must be a list of paths or false')
  }
  const redact = options.redact === false ? undefined : { paths: [...DEFAULT_REDACT, ...(options.redact ?? [])], censor: options.censor ?? '[Redacted]' }
  const base = options.base === undefined ? {} : { base: options.base }
  const opts: pino.LoggerOptions = { level, redact, ...base, ...(options.name ? { name: options.name } : {}), ...options.pino }
  const log = options.transport !== undefined ? pino({ ...opts, transport: options.transport }) : pino(opts, destinationOf(options, mode))
  // The access log may skip pino's object walk only when pino would not change its fields.
  if (options.pino === undefined && !(options.redact || []).some(touchesAccessFields)) Object.assign(log, { [PLAIN_PINO]: pino })
  return log
}

const ACCESS_FIELDS = new Set(['requestId', 'status', 'method', 'protocol', 'contentType', 'clientIP', 'clientEndpoint', 'path', 'route', 'latency', 'userAgent', 'query', 'size', 'aborted', 'requestBody', 'responseBody', 'msg', 'level', 'time'])

function touchesAccessFields(path: string): boolean {
  const first = /^[^.[]+/.exec(path)?.[0] ?? '*'
  return first === '*' || ACCESS_FIELDS.has(first)
}

function destinationOf(options: CreateLoggerOptions, mode: Mode): pino.DestinationStream {
  const dest = options.destination ?? 1
  const tty = dest === 1 && process.stdout.isTTY === true
  const pretty = mode !== 'release' && (options.pretty ?? (mode === 'debug' && tty))
  if (typeof dest === 'string' || typeof dest === 'number') {
    if (typeof dest === 'string' && dest === '') throw new TypeError('createLogger(): destination path is empty')
    if (pretty) return prettyStream(lineDestination(dest, { sync: true }), tty)
    return lineDestination(dest, { sync: options.sync ?? false })
  }
  if (typeof dest?.write !== 'function') throw new TypeError('createLogger(): destination must be a path, a file descriptor or a stream')
  return pretty ? prettyStream(dest, false) : dest
}
