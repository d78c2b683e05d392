/** A private memcached for tests: a child process on a free 127.0.0.1 port, stopped and started on that port. */
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { connect, createServer } from 'node:net'
import { userInfo } from 'node:os'

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
  // A port found free may be taken before memcached binds it: try another a few times.
  for (let attempt = 0; ; attempt++) {
    port = await freePort()
    try {
      await start()
      break
    } catch (err) {
      if (attempt === 4) throw err
    }
  }
  const stop = async (): Promise<void> => {
    const c = child
    child = undefined
    if (c) await kill(c)
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

async function launch(port: number): Promise<ChildProcess> {
  const args = ['-l', '127.0.0.1', '-p', String(port), '-U', '0', '-m', '64', '-t', '2']
  // memcached refuses to run as root unless told which user to be.
  if (process.getuid?.() === 0) args.push('-u', userInfo().username)
  const child = spawn('memcached', args, { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-2000)
  })
  const killOnExit = () => child.kill('SIGKILL')
  process.once('exit', killOnExit)
  child.once('exit', () => process.removeListener('exit', killOnExit))
  const spawned = await Promise.race([once(child, 'spawn').then(() => null), once(child, 'error').then(([e]) => e as Error)])
  if (spawned) throw new Error(`memcached could not be started (${spawned.message}); run bash scripts/services.sh`)
  try {
    await untilListening(port, child)
  } catch (err) {
    await kill(child)
    throw new Error(`memcached on port ${port}: ${(err as Error).message} ${stderr}`)
  }
  return child
}

/** Resolves once the port accepts a connection; rejects if the child exits first or after 20 s (a hang guard). */
async function untilListening(port: number, child: ChildProcess): Promise<void> {
  const end = Date.now() + 20_000
  while (Date.now() < end) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`exited (${child.exitCode ?? child.signalCode})`)
    if (await accepts(port)) return
    await new Promise((r) => setTimeout(r, 20))
  }
  throw new Error('did not accept connections within 20 s')
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1')
    s.once('connect', () => {
      s.destroy()
      resolve(true)
    })
    s.once('error', () => resolve(false))
  })
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = once(child, 'exit')
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
  await exited
  clearTimeout(timer)
}

async function freePort(): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  server.close()
  await once(server, 'close')
  return port
}
