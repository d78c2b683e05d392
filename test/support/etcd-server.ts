/** A private etcd for tests: a child process on free 127.0.0.1 ports with its data in a temp dir. */
import type { ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { get } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { onFreePorts, spawnReady, terminate } from './child-server.js'

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
    await onFreePorts(2, async ([client, peer]) => {
      // What a failed attempt left behind.
      rmSync(join(dir, 'data'), { recursive: true, force: true })
      ports = [client as number, peer as number]
      await start()
    })
  } catch (err) {
    removeDir()
    process.removeListener('exit', removeDir)
    throw err
  }
  const stop = async (): Promise<void> => {
    const c = child
    child = undefined
    if (c) await terminate(c)
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

function launch(dir: string, [client, peer]: [number, number]): Promise<ChildProcess> {
  const c = `http://127.0.0.1:${client}`
  const p = `http://127.0.0.1:${peer}`
  const args = ['--name', 'weir', '--data-dir', join(dir, 'data'), '--listen-client-urls', c, '--advertise-client-urls', c]
  args.push('--listen-peer-urls', p, '--initial-advertise-peer-urls', p, '--initial-cluster', `weir=${p}`, '--log-level', 'error', '--logger', 'zap')
  return spawnReady('etcd', args, { name: 'etcd', where: c, ready: () => healthy(c), notReady: 'was not healthy', boundMs: 30_000 })
}

/** Whether etcd's /health says so. */
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
