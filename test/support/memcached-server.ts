/** A private memcached for tests: a child process on a free 127.0.0.1 port, stopped and started on that port. */
import type { ChildProcess } from 'node:child_process'
import { userInfo } from 'node:os'
import { accepts, onFreePorts, spawnReady, terminate } from './child-server.js'

/** A running private memcached. */
export interface MemcachedServer {
  /** Its port on 127.0.0.1. */
  readonly port: number
  /** `127.0.0.1:<port>`, as `memcachedStore({ servers })` takes it. */
  readonly servers: string
  /** How long the last start took until the server accepted connections, ms. */
  readonly startMs: number
  /** Stops the server (the port stays reserved for `start()`). */
  stop(): Promise<void>
  /** Starts it again on the same port, empty. */
  start(): Promise<void>
  /** Stops it for good. */
  close(): Promise<void>
}

/**
 * Starts memcached (the Debian package; `bash scripts/services.sh` installs it) as a child of this process,
 * so it dies with the test process group; `close()` it in `after`.
 *
 * @example
 * const server = await startMemcached()
 * after(() => server.close())
 */
export async function startMemcached(): Promise<MemcachedServer> {
  let child: ChildProcess | undefined
  let port = 0
  let startMs = 0
  const start = async (): Promise<void> => {
    const t0 = performance.now()
    child = await launch(port)
    startMs = performance.now() - t0
  }
  await onFreePorts(1, async ([p]) => {
    port = p as number
    await start()
  })
  const stop = async (): Promise<void> => {
    const c = child
    child = undefined
    if (c) await terminate(c)
  }
  return {
    port,
    servers: `127.0.0.1:${port}`,
    get startMs() {
      return startMs
    },
    stop,
    start,
    close: stop,
  }
}

function launch(port: number): Promise<ChildProcess> {
  const args = ['-l', '127.0.0.1', '-p', String(port), '-U', '0', '-m', '64', '-t', '2']
  // memcached refuses to run as root unless told which user to be.
  if (process.getuid?.() === 0) args.push('-u', userInfo().username)
  const ready = () => accepts(port)
  return spawnReady('memcached', args, { name: 'memcached', where: `port ${port}`, ready, notReady: 'did not accept connections', boundMs: 20_000 })
}
