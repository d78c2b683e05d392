/**
 * A buffered line writer for files and file descriptors: lines are encoded into one reused buffer and
 * written with one `writeSync` every `flushInterval` ms (or every `bufferSize` bytes), and flushed when the
 * process exits. On this kind of VM a write to a file costs 5–15 µs of kernel time, so one per line or per
 * event-loop turn doubled the CPU a hello request costs; one per 100 ms is noise.
 * Why not pino's SonicBoom: its async mode measures the whole pending buffer (`Buffer.byteLength` of a
 * growing string) on every line — 3–4 µs a line under load, more than the rest of the access log.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs'
import { dirname } from 'node:path'

/** Options of {@link lineDestination}. */
export interface LineDestinationOptions {
  /** Write every line at once (no buffering). Default `false`. */
  sync?: boolean
  /** Bytes buffered before an immediate write (a line that may not fit is written first, on its own if larger). Default `65_536`. */
  bufferSize?: number
  /** Longest time a line waits in the buffer, ms; `0` writes once per event-loop turn. Default `100`. */
  flushInterval?: number
  /** Longest a flush waits on a pipe nobody reads (`EAGAIN`) before it drops the rest of its lines, ms. Default `2_000`. */
  stallLimit?: number
  /** Create the file's directory. Default `true` for paths. */
  mkdir?: boolean
}

/** A pino destination with `flushSync`/`flush` and `end`. */
export interface LineDestination {
  write(line: string): void
  flushSync(): void
  flush(cb?: (err?: Error) => void): void
  end(): void
}

const SLEEP = new Int32Array(new SharedArrayBuffer(4))
// One process 'exit' listener for every open destination (not one each: tests open many).
const open = new Set<() => void>()
let exitHooked = false
function flushAllOnExit(flush: () => void): void {
  open.add(flush)
  if (exitHooked) return
  exitHooked = true
  process.on('exit', () => {
    for (const f of open) f()
  })
}

/**
 * Opens a path (appending) or wraps a file descriptor (1 stdout, 2 stderr).
 *
 * @example
 * const log = pino({}, lineDestination('/var/log/app.log'))
 */
export function lineDestination(dest: string | number, options: LineDestinationOptions = {}): LineDestination {
  if (typeof dest === 'string' && (options.mkdir ?? true)) mkdirSync(dirname(dest), { recursive: true })
  const fd = typeof dest === 'number' ? dest : openSync(dest, 'a')
  const limit = options.bufferSize ?? 65_536
  const interval = options.flushInterval ?? 100
  const stallLimit = options.stallLimit ?? 2_000
  if (!(interval >= 0) || !(limit > 0)) throw new TypeError('lineDestination(): flushInterval must be ≥ 0 and bufferSize > 0')
  // Lines are encoded straight into one reused buffer: no joined string, no Buffer per flush.
  const buf = Buffer.allocUnsafe(limit)
  let used = 0
  let scheduled = false
  let broken = false
  const out = (data: Buffer): void => {
    if (!broken) broken = !writeAll(fd, data, stallLimit)
  }
  const flushSync = (): void => {
    if (used === 0) return
    const n = used
    used = 0
    out(buf.subarray(0, n)) // writeSync has copied it when it returns: the buffer is free again
  }
  const onTurn = (): void => {
    scheduled = false
    flushSync()
  }
  flushAllOnExit(flushSync)
  return {
    write(line: string): void {
      // Up to 3 bytes per UTF-16 unit: make room first, and send a line larger than the buffer on its own.
      const worst = line.length * 3
      if (used > 0 && limit - used < worst) flushSync()
      if (worst > limit) return out(Buffer.from(line))
      used += buf.write(line, used)
      if (options.sync || used >= limit) flushSync()
      else if (!scheduled) {
        scheduled = true
        if (interval === 0) setImmediate(onTurn).unref()
        else setTimeout(onTurn, interval).unref()
      }
    },
    flushSync,
    flush(cb) {
      flushSync()
      cb?.()
    },
    end() {
      flushSync()
      open.delete(flushSync)
      if (typeof dest === 'string') closeSync(fd)
    },
  }
}

/**
 * Writes everything, waiting out `EAGAIN` (a non-blocking pipe that is full) for up to `stallLimit` ms, after
 * which the rest of this chunk is dropped (said on stderr): a reader that stopped must not freeze the server.
 * Returns `false` once the fd is unusable.
 */
function writeAll(fd: number, data: Buffer, stallLimit: number): boolean {
  let off = 0
  let stalledSince = 0
  while (off < data.length) {
    try {
      off += writeSync(fd, data, off)
      stalledSince = 0
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') {
        const now = Date.now()
        if (stalledSince === 0) stalledSince = now
        else if (now - stalledSince > stallLimit) return warn(`fd ${fd} has not been read for ${stallLimit} ms; dropped ${data.length - off} bytes of log lines`, true)
        Atomics.wait(SLEEP, 0, 0, 1)
        continue
      }
      // The log destination is gone (EPIPE, EBADF, disk full): say so and drop lines from now on.
      return warn(`cannot write to fd ${fd}: ${(err as Error).message}; dropping log lines`, false)
    }
  }
  return true
}

function warn(message: string, usable: boolean): boolean {
  try {
    writeSync(2, `weir logger: ${message}\n`)
  } catch {
    // stderr is gone too
  }
  return usable
}
