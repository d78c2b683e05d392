/** The default logger: one JSON line per entry on stderr, pino's shape, so tools read both alike. */
import type { Logger } from '../core/types.js'

const LEVELS = { debug: 20, info: 30, warn: 40, error: 50 } as const

/** Minimum level to print. */
export type LogLevel = keyof typeof LEVELS | 'silent'

/**
 * A dependency-free logger printing JSON lines to stderr; use pino (`weir/logger`) for anything more.
 *
 * @example
 * const app = createApp({ logger: consoleLogger('warn') })
 */
export function consoleLogger(level: LogLevel = 'info', write: (line: string) => void = defaultWrite): Logger {
  const min = level === 'silent' ? Number.POSITIVE_INFINITY : LEVELS[level]
  const make = (name: keyof typeof LEVELS) => (obj: object, msg?: string) => {
    if (LEVELS[name] < min) return
    write(`${JSON.stringify({ level: LEVELS[name], time: Date.now(), ...serialise(obj), msg })}\n`)
  }
  return { debug: make('debug'), info: make('info'), warn: make('warn'), error: make('error') }
}

function defaultWrite(line: string): void {
  process.stderr.write(line)
}

function serialise(obj: object): object {
  const err = (obj as { err?: unknown }).err
  if (!(err instanceof Error)) return obj
  const code = (err as { code?: unknown }).code
  return { ...obj, err: { type: err.name, message: err.message, code, stack: err.stack } }
}
