// A private redis-server for tests: a free port on 127.0.0.1, its own temp dir, nothing persisted; it can be
// stopped and started again on the same port, and it dies with the test process however that process ends.
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { onFreePorts, terminate } from './child-server.js'

/** A running (or stopped) private redis-server. */
export interface RedisServer {
  /** The port it listens on, on 127.0.0.1; the same after a restart. */
  readonly port: number
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string
  /** Stops the server (SIGTERM) and resolves when it has exited; clients see their connections close. */
  stop(): Promise<void>
  /** Starts it again on the same port and resolves when it accepts connections. */
  start(): Promise<void>
  /** Stops it for good and deletes its temp dir; call it in `after`. */
  close(): Promise<void>
}

/** Options of {@link startRedis}. */
export interface StartRedisOptions {
  /** More `redis-server` arguments, e.g. `['--requirepass', 'secret']`. Default none. */
  args?: string[]
}

// redis-server runs under a small sh that holds our stdin pipe: when the pipe closes — stop(), or this process
// dying in any way, SIGKILL included — `cat` returns and redis-server is terminated. No daemon is ever left.
// (sh gives background jobs /dev/null as stdin, hence the explicit `<&3`.)
const WRAPPER = 'exec 3<&0; redis-server "$@" </dev/null 3<&- & r=$!; { cat >/dev/null; kill $r 2>/dev/null; } <&3 & exec 3<&-; wait $r'
const READY = 'Ready to accept connections'
// A hang guard for a loaded machine, not a speed claim: redis-server is usually ready in a few ms.
const START_BOUND = 20_000

/**
 * Starts a private `redis-server` (which must be installed) on a free port in a temp dir, with no persistence.
 *
 * @example
 * const redis = await startRedis()
 * after(() => redis.close())
 * const store = redisStore({ url: redis.url })
 * await redis.stop() // an outage
 * await redis.start() // back on the same port
 */
export async function startRedis(options: StartRedisOptions = {}): Promise<RedisServer> {
  const dir = await mkdtemp(join(tmpdir(), 'weir-redis-'))
  let port = 0
  let child: ChildProcess | undefined
  const run = async (): Promise<void> => {
    if (child) return
    child = await launch(port, dir, options.args ?? [])
    child.once('exit', () => {
      child = undefined
    })
  }
  try {
    const retryIf = (err: Error) => String(err.message).includes('in use')
    await onFreePorts(
      1,
      async ([p]) => {
        port = p as number
        await run()
      },
      { retryIf },
    )
  } catch (err) {
    await rm(dir, { recursive: true, force: true })
    throw err
  }
  const stop = async (): Promise<void> => {
    if (child) await halt(child)
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop,
    start: run,
    async close() {
      await stop()
      await rm(dir, { recursive: true, force: true })
    },
  }
}

// Spawns the wrapped redis-server and resolves once it logs that it accepts connections.
function launch(port: number, dir: string, args: string[]): Promise<ChildProcess> {
  const argv = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...args]
  const child = spawn('sh', ['-c', WRAPPER, 'redis-server', ...argv], { stdio: ['pipe', 'pipe', 'pipe'] })
  // The pipe is ours to close; a write-side error (the wrapper already gone) means nothing more.
  child.stdin!.on('error', () => {})
  child.once('exit', () => child.stdin!.end())
  let output = ''
  return new Promise<ChildProcess>((resolve, reject) => {
    const fail = (why: string): void => {
      clearTimeout(guard)
      child.stdin!.end()
      reject(new Error(`redis-server on port ${port} did not start: ${why}\n${output.slice(-2000)}`))
    }
    const guard = setTimeout(() => fail(`not ready within ${START_BOUND} ms`), START_BOUND)
    const read = (chunk: Buffer): void => {
      output += chunk.toString()
      if (!output.includes(READY)) return
      clearTimeout(guard)
      child.stdout!.off('data', read)
      child.stdout!.resume()
      child.off('exit', early)
      resolve(child)
    }
    const early = (code: number | null): void => {
      fail(code === 127 ? 'redis-server is not installed (apt-get install redis-server, or brew install redis)' : `it exited with code ${code}`)
    }
    child.stdout!.on('data', read)
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    child.once('exit', early)
  })
}

// Closing the wrapper's stdin makes it terminate redis-server; then the wrapper exits.
function halt(child: ChildProcess): Promise<void> {
  return terminate(child, START_BOUND, (c) => c.stdin!.end())
}
