/** A tiny dependency-free pretty printer for pino lines (debug mode only; pino-pretty is not a dependency). */

const NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO ', 40: 'WARN ', 50: 'ERROR', 60: 'FATAL' }
const COLORS: Record<number, string> = { 10: '90', 20: '36', 30: '32', 40: '33', 50: '31', 60: '35' }
const SKIP = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'err', 'v'])

/** Where pretty lines go. */
export interface PrettyTarget {
  write(s: string): unknown
}

/**
 * A pino destination printing `12:34:56.789 INFO  message key=value …` and error stacks below;
 * a line that is not JSON is passed through.
 *
 * @example
 * const log = pino({}, prettyStream(process.stdout, process.stdout.isTTY))
 */
export function prettyStream(out: PrettyTarget, colors = false): { write(line: string): void } {
  return {
    write(line: string) {
      out.write(prettyLine(line, colors))
    },
  }
}

/**
 * Formats one pino JSON line for humans.
 *
 * @example
 * prettyLine('{"level":30,"time":0,"msg":"hi","a":1}') // '00:00:00.000 INFO  hi a=1\n' (UTC)
 */
export function prettyLine(line: string, colors = false): string {
  let o: Record<string, unknown>
  try {
    o = JSON.parse(line) as Record<string, unknown>
  } catch {
    return line
  }
  const level = typeof o.level === 'number' ? o.level : 30
  const name = NAMES[level] ?? String(o.level)
  const tag = colors ? `\x1b[${COLORS[level] ?? '0'}m${name}\x1b[0m` : name
  const time = typeof o.time === 'number' ? new Date(o.time).toISOString().slice(11, 23) : ''
  let s = `${time} ${tag} ${typeof o.msg === 'string' ? o.msg : ''}`
  for (const [k, v] of Object.entries(o)) {
    if (SKIP.has(k) || v === undefined) continue
    s += ` ${k}=${typeof v === 'string' && !/[\s"=]/.test(v) ? v : JSON.stringify(v)}`
  }
  const err = o.err as { stack?: string; message?: string } | undefined
  if (err) s += `\n    ${(err.stack ?? err.message ?? JSON.stringify(err)).replace(/\n/g, '\n    ')}`
  return `${s}\n`
}
