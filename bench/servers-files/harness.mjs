// Process and load helpers shared by bench/files.mjs and bench/stream.mjs (the method of bench/run.mjs:
// a fresh server process per run, pinned to core 0, wrk pinned to core 1, medians over rounds).
import { spawn, spawnSync } from 'node:child_process'
import { availableParallelism } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort } from '../lib.mjs'

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const live = new Set()
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    for (const c of live) c.kill('SIGKILL')
    process.exit(130)
  })
}

/** Flags shared by the runners: --duration S, --rounds N, --connections N, --no-pin, --no-build, --smoke. */
export function flags(argv, defaults) {
  const o = { duration: 5, rounds: 3, connections: 50, pin: true, build: true, smoke: false, ...defaults }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--no-pin') o.pin = false
    else if (a === '--no-build') o.build = false
    else if (a === '--smoke') o.smoke = true
    else if (a.startsWith('--')) {
      const v = argv[++i]
      o[a.slice(2)] = Number.isNaN(Number(v)) ? v : Number(v)
    }
  }
  if (o.pin && (availableParallelism() < 2 || spawnSync('sh', ['-c', 'command -v taskset']).status !== 0)) o.pin = false
  return o
}

/** `npx tsc -p tsconfig.build.json` so dist/ matches src/ (as bench/run.mjs does); returns an error or null. */
export function buildWeir() {
  const r = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, encoding: 'utf8' })
  return r.status === 0 ? null : (r.stdout + r.stderr).trim().split('\n').slice(0, 3).join(' | ')
}

const pinned = (pin, core, cmd, args) => (pin ? ['taskset', ['-c', String(core), cmd, ...args]] : [cmd, args])

/** Starts `node <file> ...args` (pinned to core 0), resolves `{ child, port }` once it prints `ready`. */
export async function startServer(file, args, { pin, ipc = false } = {}) {
  const port = await freePort()
  const [cmd, argv] = pinned(pin, 0, process.execPath, ['--expose-gc', file, ...args.map((a) => (a === '$PORT' ? String(port) : a))])
  const env = { ...process.env, NODE_ENV: 'production', WEIR_MODE: 'release' }
  const child = spawn(cmd, argv, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit', ...(ipc ? ['ipc'] : [])] })
  live.add(child)
  child.exited = new Promise((r) => child.once('exit', r)).then(() => live.delete(child))
  await new Promise((resolve, reject) => {
    let out = ''
    const t = setTimeout(() => reject(new Error(`${file}: not ready after 15 s`)), 15_000)
    child.stdout.setEncoding('utf8').on('data', (d) => {
      out += d
      if (/^ready\s*$/m.test(out)) {
        clearTimeout(t)
        resolve()
      }
    })
    child.once('exit', (code) => reject(new Error(`${file} exited (${code}) before ready`)))
  })
  return { child, port }
}

export async function stopServer(child) {
  if (child.exitCode !== null || child.signalCode !== null) return
  child.kill('SIGTERM')
  const t = setTimeout(() => child.kill('SIGKILL'), 3000)
  await child.exited
  clearTimeout(t)
}

/** One wrk run (pinned to core 1): req/s, p99 ms, transfer MB/s, non-2xx and socket errors. */
export function wrk(url, { seconds, connections, pin }) {
  const [cmd, args] = pinned(pin, 1, 'wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', url])
  const r = spawnSync(cmd, args, { encoding: 'utf8' })
  const out = r.stdout ?? ''
  const num = (re) => Number(re.exec(out)?.[1] ?? Number.NaN)
  const p99 = /^\s+99%\s+([\d.]+)(us|ms|s)\s*$/m.exec(out)
  const tr = /^Transfer\/sec:\s+([\d.]+)(KB|MB|GB)/m.exec(out)
  if (r.status !== 0 || !p99) throw new Error(`wrk failed: ${(r.stderr || out).slice(0, 200)}`)
  return {
    rps: num(/^Requests\/sec:\s+([\d.]+)/m),
    p99: Number(p99[1]) * { us: 0.001, ms: 1, s: 1000 }[p99[2]],
    mbps: tr ? Number(tr[1]) * { KB: 1 / 1024, MB: 1, GB: 1024 }[tr[2]] : Number.NaN,
    non2xx: num(/Non-2xx or 3xx responses:\s+(\d+)/) || 0,
  }
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

export const fmt = (n, d = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }) : '—')
