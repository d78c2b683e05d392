/** A private etcd for tests: a child process on free 127.0.0.1 ports with its data in a temp dir. */
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { get } from 'node:http'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** A running private etcd. */
export interface EtcdServer {
  /** Its client URL, `http://127.0.0.1:<port>`, as `etcdStore({ hosts })` takes it. */
  readonly hosts: string
  /** How long the last start took until etcd reported itself healthy, ms. */
  readonly startMs: number
  /** Stops the server; its data stays for `start()`. */
  stop(): Promise<void>
  /** Starts it again on the same ports with the same data. */
  start(): Promise<void>
  /** Stops it and deletes its data. */
  close(): Promise<void>
}

/**
 * Starts etcd (Debian package `etcd-server`; `bash scripts/services.sh` installs it) as a child of this
 * process, so it dies with the test process group. Its data lives in a temp dir (in /dev/shm when there is
 * one: etcd syncs every write to disk). `close()` it in `after`.
 *
 * @example
 * const etcd = await startEtcd()
 * after(() => etcd.close())
 */
export async function startEtcd(): Promise<EtcdServer> {
  const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'weir-etcd-'))
  // Deleted by close(); this covers a test process that ends without running its after hooks.
  const removeDir = () => rmSync(dir, { recursive: true, force: true })
  process.once('exit', removeDir)
  let child: ChildProcess | undefined
  let ports: [number, number] = [0, 0]
  let startMs = 0
  const start = async (): Promise<void> => {
    const t0 = performance.now()
    child = await launch(dir, ports)
    startMs = performance.now() - t0
  }
  try {
    // Ports found free may be taken before etcd binds them: try others a few times.
    for (let attempt = 0; ; attempt++) {
      const client = await freePort()
      let peer = await freePort()
      while (peer === client) peer = await freePort()
      ports = [client, peer]
      try {
        await start()
        break
      } catch (err) {
        if (attempt === 4) throw err
        rmSync(join(dir, 'data'), { recursive: true, force: true })
      }
    }
  } catch (err) {
    removeDir()
    process.removeListener('exit', removeDir)
    throw err
  }
  const stop = async (): Promise<void> => {
    const c = child
    child = undefined
    if (c) await kill(c)
  }
  return {
    hosts: `http://127.0.0.1:${ports[0]}`,
    get startMs() {
      return startMs
    },
    stop,
    start,
    async close() {
      await stop()
      removeDir()
      process.removeListener('exit', removeDir)
    },
  }
}

async function launch(dir: string, [client, peer]: [number, number]): Promise<ChildProcess> {
  const c = `http://127.0.0.1:${client}`
  const p = `http://127.0.0.1:${peer}`
  const args = ['--name', 'weir', '--data-dir', join(dir, 'data'), '--listen-client-urls', c, '--advertise-client-urls', c]
  args.push('--listen-peer-urls', p, '--initial-advertise-peer-urls', p, '--initial-cluster', `weir=${p}`, '--log-level', 'error', '--logger', 'zap')
  const child = spawn('etcd', args, { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-2000)
  })
  const killOnExit = () => child.kill('SIGKILL')
  process.once('exit', killOnExit)
  child.once('exit', () => process.removeListener('exit', killOnExit))
  const failed = await Promise.race([once(child, 'spawn').then(() => null), once(child, 'error').then(([e]) => e as Error)])
  if (failed) throw new Error(`etcd could not be started (${failed.message}); run bash scripts/services.sh`)
  try {
    await untilHealthy(c, child)
  } catch (err) {
    await kill(child)
    throw new Error(`etcd on ${c}: ${(err as Error).message} ${stderr}`)
  }
  return child
}

/** Resolves once /health says so; rejects if the child exits first or after 30 s (a hang guard). */
async function untilHealthy(url: string, child: ChildProcess): Promise<void> {
  const end = Date.now() + 30_000
  while (Date.now() < end) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`exited (${child.exitCode ?? child.signalCode})`)
    if (await healthy(url)) return
    await new Promise((r) => setTimeout(r, 20))
  }
  throw new Error('was not healthy within 30 s')
}

function healthy(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = get(`${url}/health`, (res) => {
      let body = ''
      res.on('data', (d: Buffer) => {
        body += d.toString()
      })
      res.on('end', () => resolve(res.statusCode === 200 && body.includes('"true"')))
      res.on('error', () => resolve(false))
    })
    req.on('error', () => resolve(false))
    req.setTimeout(2_000, () => req.destroy())
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
