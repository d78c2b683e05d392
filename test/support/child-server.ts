/** What the private test servers (etcd, memcached, Redis, MariaDB) share: free ports, spawning, readiness, stopping. */
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { connect, createServer } from 'node:net'

/** A TCP port free on 127.0.0.1 right now (another process may take it before you bind it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(port))
    })
  })
}

/**
 * Calls `start` with `count` distinct free ports, with fresh ones after a failure (a port found free may be
 * taken before the server binds it), up to `attempts` times or until `retryIf` says the error is another one.
 *
 * @example
 * const port = await onFreePorts(1, async ([p]) => {
 *   await launch(p)
 *   return p
 * })
 */
export async function onFreePorts<T>(
  count: number,
  start: (ports: number[]) => Promise<T>,
  { attempts = 5, retryIf = () => true }: { attempts?: number; retryIf?: (err: Error) => boolean } = {},
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const ports: number[] = []
    while (ports.length < count) {
      const port = await freePort()
      if (!ports.includes(port)) ports.push(port)
    }
    try {
      return await start(ports)
    } catch (err) {
      if (attempt >= attempts || !retryIf(err as Error)) throw err
    }
  }
}

/** Whether the child has exited (by itself or by a signal). */
export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null
}

/** SIGKILLs the child if this process exits first: a backstop for a test process that ends without stopping it. */
export function killOnExit(child: ChildProcess): void {
  const kill = () => child.kill('SIGKILL')
  process.once('exit', kill)
  child.once('exit', () => process.removeListener('exit', kill))
}

/**
 * Asks the child to stop (`how`, SIGTERM by default), SIGKILLs it after `graceMs`, and resolves once it has
 * exited.
 */
export async function terminate(child: ChildProcess, graceMs = 10_000, how: (c: ChildProcess) => unknown = (c) => c.kill('SIGTERM')): Promise<void> {
  if (hasExited(child)) return
  const exited = once(child, 'exit')
  how(child)
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
  await exited
  clearTimeout(timer)
}

/** Resolves once the port on 127.0.0.1 accepts a connection; false if it refuses. */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1')
    s.once('connect', () => {
      s.destroy()
      resolve(true)
    })
    s.once('error', () => resolve(false))
  })
}

/** How {@link spawnReady} starts a server and knows it is ready. */
export interface SpawnReadyOptions {
  /** The name in errors, e.g. `etcd`. */
  name: string
  /** Where it listens, in errors, e.g. `port 11211`. */
  where: string
  /** Polled every 20 ms until it resolves true. */
  ready: () => Promise<boolean>
  /** What the error says when `ready` is not true within `boundMs`, e.g. `was not healthy`. */
  notReady: string
  /** A hang guard for a loaded machine, not a speed claim. */
  boundMs: number
}

/**
 * Spawns `cmd args` (stderr kept for errors), killed if this process exits first; resolves once `ready()`
 * says so. Rejects, with the server stopped, if it cannot be spawned, exits first, or is not ready in time.
 *
 * @example
 * const child = await spawnReady('memcached', ['-p', String(port)], {
 *   name: 'memcached', where: `port ${port}`, ready: () => accepts(port), notReady: 'did not accept connections', boundMs: 20_000,
 * })
 */
export async function spawnReady(cmd: string, args: string[], o: SpawnReadyOptions): Promise<ChildProcess> {
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-2000)
  })
  killOnExit(child)
  const failed = await Promise.race([once(child, 'spawn').then(() => null), once(child, 'error').then(([e]) => e as Error)])
  if (failed) throw new Error(`${o.name} could not be started (${failed.message}); run bash scripts/services.sh`)
  try {
    await untilReady(child, o)
  } catch (err) {
    await terminate(child)
    throw new Error(`${o.name} on ${o.where}: ${(err as Error).message} ${stderr}`)
  }
  return child
}

async function untilReady(child: ChildProcess, o: SpawnReadyOptions): Promise<void> {
  const end = Date.now() + o.boundMs
  while (Date.now() < end) {
    if (hasExited(child)) throw new Error(`exited (${child.exitCode ?? child.signalCode})`)
    if (await o.ready()) return
    await new Promise((r) => setTimeout(r, 20))
  }
  throw new Error(`${o.notReady} within ${o.boundMs / 1000} s`)
}
