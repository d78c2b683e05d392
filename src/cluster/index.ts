/** Running one app on every core: `node:cluster` workers sharing one port, supervised by the primary. */
import cluster from 'node:cluster'
import { availableParallelism } from 'node:os'

/** Options of {@link workers}. */
export interface WorkersOptions {
  /** How many worker processes. Default: the number of cores (`os.availableParallelism()`). */
  count?: number
  /** Restart a worker that exits unasked, after this delay (doubling while workers keep dying, up to 30 s), ms. Default `1_000`; `false` never restarts. */
  restart?: number | false
  /** Signals the primary forwards to every worker, then exits when all have exited. Default `['SIGTERM', 'SIGINT']`. */
  signals?: NodeJS.Signals[]
}

/** What {@link workers} returns in the primary process. */
export interface Primary {
  /** Resolves once every worker has exited after a forwarded signal (or `stop()`). */
  readonly stopped: Promise<void>
  /** Sends `signal` (default `SIGTERM`) to every worker and stops restarting them. */
  stop(signal?: NodeJS.Signals): Promise<void>
}

/**
 * Runs `start` in `count` worker processes that share the port they listen on (the primary accepts and
 * hands connections round-robin, as `node:cluster` does on Linux). In the primary, forks and supervises
 * the workers: one that dies is restarted; SIGTERM/SIGINT are forwarded so each closes gracefully (make
 * `start` call `listen({ signals: ['SIGTERM', 'SIGINT'] })`), and the primary exits when they all have.
 * In a worker, runs `start` and resolves `undefined`. State shared by the workers (sessions, caches, rate
 * limits) must live in a shared store: Redis, MySQL, memcached, etcd, or file/SQLite on one machine.
 *
 * @example
 * import { workers } from 'weir/cluster'
 * await workers({ count: 4 }, async () => {
 *   const app = buildApp()
 *   await app.listen({ port: 3000, signals: ['SIGTERM', 'SIGINT'] })
 * })
 */
export async function workers(options: WorkersOptions, start: () => unknown): Promise<Primary | undefined> {
  const count = options.count ?? availableParallelism()
  if (!Number.isInteger(count) || count < 1) throw new TypeError(`workers(): count must be a positive integer, got ${count}`)
  const restart = options.restart ?? 1_000
  if (restart !== false && !(restart >= 0)) throw new TypeError(`workers(): restart must be a delay in ms or false, got ${restart}`)
  if (typeof start !== 'function') throw new TypeError('workers(): start must be a function')
  if (!cluster.isPrimary) {
    await start()
    return undefined
  }
  return supervise(count, restart, options.signals ?? ['SIGTERM', 'SIGINT'])
}

function supervise(count: number, restart: number | false, signals: NodeJS.Signals[]): Primary {
  let stopping = false
  let delay = restart === false ? 0 : restart
  let resolveStopped!: () => void
  const stopped = new Promise<void>((r) => {
    resolveStopped = r
  })
  const alive = () => Object.keys(cluster.workers ?? {}).length
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (alive() === 0) resolveStopped()
      return
    }
    if (restart === false) return
    process.emitWarning(`weir worker ${worker.process.pid} exited (${signal ?? code}); restarting in ${delay} ms`)
    setTimeout(() => !stopping && cluster.fork(), delay).unref()
    delay = Math.min(delay * 2 || 1_000, 30_000)
  })
  // A worker that stays up a while resets the restart delay.
  cluster.on('listening', () => {
    if (restart !== false) setTimeout(() => (delay = restart), 10_000).unref()
  })
  for (let i = 0; i < count; i++) cluster.fork()
  const stop = (signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
    stopping = true
    if (alive() === 0) resolveStopped()
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill(signal)
    return stopped
  }
  for (const s of signals) process.once(s, () => void stop(s).then(() => process.exit(0)))
  return { stopped, stop }
}
