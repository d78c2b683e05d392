// A private MariaDB server for tests that stop and restart it: its own data directory in a temp dir, a free
// port on 127.0.0.1, root without a password. It runs as a child of the test process and dies with it.
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { freePort, hasExited, killOnExit, terminate } from './child-server.js'

/** A running private server; `stop()` and `start()` take it down and up on the same port. */
export interface MariadbServer {
  readonly port: number
  /** `mysql://root@127.0.0.1:<port>/mysql` */
  readonly uri: string
  /** How long the first start took, ms (data directory made, then the server ready), for reports. */
  readonly timings: { install: number; start: number }
  stop(): Promise<void>
  start(): Promise<void>
  /** Freezes the server (SIGSTOP): connections stay open, nothing is answered. */
  pause(): void
  /** Lets a frozen server go on (SIGCONT). */
  resume(): void
  /** Stops the server and deletes its directory. */
  close(): Promise<void>
}

const run = promisify(execFile)
// Small InnoDB files: the server holds a few test rows.
const SMALL = ['--innodb-log-file-size=8M', '--innodb-buffer-pool-size=32M']
// mariadbd refuses to run as root unless told to.
const AS_USER = process.getuid?.() === 0 ? ['--user=root'] : []

/**
 * Makes a data directory and starts a server on a free port; throws (with the server's log) if it cannot.
 *
 * @example
 * const db = await startMariadb()
 * after(() => db.close())
 */
export async function startMariadb(): Promise<MariadbServer> {
  const dir = await mkdtemp(join(tmpdir(), 'weir-mariadb-'))
  const data = join(dir, 'data')
  let child: ChildProcess | undefined
  try {
    const t0 = Date.now()
    await run('mariadb-install-db', ['--no-defaults', `--datadir=${data}`, '--auth-root-authentication-method=normal', '--skip-test-db', ...AS_USER, ...SMALL], { timeout: 120_000 })
    const install = Date.now() - t0
    const port = await freePort()
    const args = ['--no-defaults', `--datadir=${data}`, `--socket=${join(dir, 'sock')}`, `--pid-file=${join(dir, 'pid')}`, `--port=${port}`, '--bind-address=127.0.0.1', '--skip-name-resolve', ...AS_USER, ...SMALL]
    const t1 = Date.now()
    child = await launch(args)
    const start = Date.now() - t1
    const server: MariadbServer = {
      port,
      uri: `mysql://root@127.0.0.1:${port}/mysql`,
      timings: { install, start },
      async stop() {
        if (child) await halt(child)
        child = undefined
      },
      async start() {
        child ??= await launch(args)
      },
      pause() {
        child?.kill('SIGSTOP')
      },
      resume() {
        child?.kill('SIGCONT')
      },
      async close() {
        await server.stop()
        await rm(dir, { recursive: true, force: true })
      },
    }
    return server
  } catch (err) {
    if (child) await halt(child)
    await rm(dir, { recursive: true, force: true })
    throw err
  }
}

// setpriv --pdeathsig: the kernel kills the server when the test process dies, even by SIGKILL.
const PDEATHSIG = hasPdeathsig() ? ['setpriv', '--pdeathsig', 'KILL'] : []

function hasPdeathsig(): boolean {
  try {
    return execFileSync('setpriv', ['--help'], { encoding: 'utf8' }).includes('--pdeathsig')
  } catch {
    return false
  }
}

// Starts mariadbd and resolves once it logs that it accepts connections (a generous bound, not a speed claim).
function launch(args: string[]): Promise<ChildProcess> {
  const [cmd, ...rest] = [...PDEATHSIG, 'mariadbd', ...args] as [string, ...string[]]
  const child = spawn(cmd, rest, { stdio: ['ignore', 'ignore', 'pipe'] })
  killOnExit(child)
  let log = ''
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error('mariadbd was not ready within 60 s')), 60_000)
    const fail = (err: Error) => {
      clearTimeout(timer)
      child.kill('SIGKILL')
      reject(new Error(`${err.message}\n${log.slice(-2000)}`))
    }
    child.once('error', fail)
    const early = (code: number | null) => fail(new Error(`mariadbd exited (${code}) before it was ready`))
    child.once('exit', early)
    child.stderr?.setEncoding('utf8')
    child.stderr?.on('data', (chunk: string) => {
      log = (log + chunk).slice(-8000)
      if (!log.includes('ready for connections')) return
      clearTimeout(timer)
      child.off('exit', early)
      // Keep draining the log so the server never blocks on a full pipe.
      child.stderr?.removeAllListeners('data').resume()
      resolve(child)
    })
  })
}

// SIGTERM is a clean shutdown; a server that does not exit within 30 s is killed.
function halt(child: ChildProcess): Promise<void> {
  if (hasExited(child)) return Promise.resolve()
  // A frozen server would hold the SIGTERM until killed.
  child.kill('SIGCONT')
  return terminate(child, 30_000)
}
