// Helpers shared by the bench scripts: ports, pinning, child processes, wrk, statistics, report lines.
import { spawn, spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { availableParallelism, cpus, loadavg } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository root: the working directory of every child the bench scripts start. */
export const ROOT = dirname(dirname(fileURLToPath(import.meta.url)))
/** autocannon's CLI, run with `node` where wrk is missing. */
export const AUTOCANNON = join(ROOT, 'node_modules', 'autocannon', 'autocannon.js')

/** A TCP port free on 127.0.0.1 right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

/**
 * In a bench server child: counts requests and CPU time, answering the runner over IPC. `'reset'` starts
 * over (after warm-up); `'report'` replies `{ n, cpu }` (requests, CPU µs). CPU time per request is steadier
 * than req/s on a shared machine.
 */
export function countCpu(server) {
  let n = 0
  let cpu0 = process.cpuUsage()
  server.on('request', () => n++)
  process.on('message', (m) => {
    if (m === 'reset') {
      n = 0
      cpu0 = process.cpuUsage()
    } else if (m === 'report') {
      const u = process.cpuUsage(cpu0)
      process.send({ n, cpu: u.user + u.system })
    }
  })
}

// ---------------------------------------------------------------------------------------------
// Environment

/** Whether `cmd` is on PATH. */
export function onPath(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0
}

/**
 * `[cmd, args]`, prefixed with `taskset -c <core>` when `pin` is on.
 *
 * @example
 * const [cmd, args] = pinned(true, '1', 'wrk', ['-t1', url]) // ['taskset', ['-c', '1', 'wrk', '-t1', url]]
 */
export function pinned(pin, core, cmd, args) {
  return pin ? ['taskset', ['-c', core, cmd, ...args]] : [cmd, args]
}

/** The installed version of `pkg` in node_modules, or `?`. */
export function version(pkg) {
  try {
    return JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')).version
  } catch {
    return '?'
  }
}

/** The short commit, with ` (src/ modified)` when src/ has changes; `no commit` outside git. */
export function gitRevision() {
  const r = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' })
  if (r.status !== 0) return 'no commit'
  const dirty = spawnSync('git', ['status', '--porcelain', '--', 'src'], { cwd: ROOT, encoding: 'utf8' })
  return `${r.stdout.trim()}${dirty.stdout.trim() ? ' (src/ modified)' : ''}`
}

/** `node v…, linux/x64, N cores (cpu model)`, the report's machine line. */
export function machine() {
  return `node ${process.version}, ${process.platform}/${process.arch}, ${availableParallelism()} cores (${cpus()[0]?.model?.trim() ?? 'unknown cpu'})`
}

/**
 * The 1-minute load average now; warns (as `<name>: load average is …<when>; …`) when it is above 0.5.
 *
 * @example
 * const loadBefore = loadAverage('bench/ws')
 * // later: `- ${loadLine(loadBefore)}`
 */
export function loadAverage(name, when = '') {
  const load = loadavg()[0]
  if (load > 0.5) console.warn(`${name}: load average is ${load.toFixed(2)}${when}; other work on this machine will skew the numbers`)
  return load
}

/** `load average (1 min): <before> at start, <now> at end`, the report's load line. */
export function loadLine(before) {
  return `load average (1 min): ${before.toFixed(2)} at start, ${loadavg()[0].toFixed(2)} at end`
}

// ---------------------------------------------------------------------------------------------
// Child processes

const live = new Set()
process.on('exit', killAll)

/** SIGKILLs every child started by {@link startChild} that is still running (also done on exit). */
export function killAll() {
  for (const child of live) child.kill('SIGKILL')
}

/** Whether `child` has exited. */
export const dead = (child) => child.exitCode !== null || child.signalCode !== null

/**
 * Spawns `cmd args` in {@link ROOT}, with stdout piped. The child gets `exited` (a promise of
 * `{ code, signal }`), `err` (the last 4,000 characters of its stderr, unless `stderr: 'inherit'`) and is
 * killed when this process exits.
 *
 * @example
 * const child = startChild(process.execPath, [file, String(port)], { env: { ...process.env, NODE_ENV: 'production' } })
 * await untilReady(child)
 */
export function startChild(cmd, args, { env = process.env, ipc = false, stderr = 'pipe' } = {}) {
  const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', stderr, ...(ipc ? ['ipc'] : [])] })
  live.add(child)
  child.err = ''
  child.stderr?.setEncoding('utf8').on('data', (d) => {
    child.err = (child.err + d).slice(-4000)
  })
  child.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })))
  child.exited.then(() => live.delete(child))
  return child
}

/**
 * Resolves with the match of `ready` in the child's stdout (default: a line `ready`); rejects with
 * `exited (…) before ready` or `not ready after N s`. Its stdout is drained after.
 */
export function untilReady(child, { ready = /^ready\s*$/m, ms = 15_000 } = {}) {
  return new Promise((resolve, reject) => {
    let out = ''
    const done = (err, match) => {
      clearTimeout(timer)
      child.off('exit', onExit)
      out = null
      err ? reject(err) : resolve(match)
    }
    const onExit = (code, signal) => done(new Error(`exited (${signal ?? `code ${code}`}) before ready`))
    const timer = setTimeout(() => done(new Error(`not ready after ${ms / 1000} s`)), ms)
    child.once('exit', onExit)
    child.stdout.setEncoding('utf8').on('data', (d) => {
      if (out === null) return
      out += d
      const match = ready.exec(out)
      if (match) done(null, match)
    })
  })
}

/** SIGTERM, then SIGKILL after `ms`; resolves once the child has exited. */
export async function stopChild(child, ms = 3000) {
  if (dead(child)) return
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), ms)
  await child.exited
  clearTimeout(timer)
}

/** Sends `message` over IPC and resolves with the child's next message. */
export function ask(child, message) {
  return new Promise((resolve) => {
    child.once('message', resolve)
    child.send(message)
  })
}

/** Runs `cmd args` in {@link ROOT} to the end; resolves `{ code, out, err }` (code -1 if it could not start). */
export function run(cmd, args) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.setEncoding('utf8').on('data', (d) => {
      out += d
    })
    child.stderr.setEncoding('utf8').on('data', (d) => {
      err += d
    })
    child.on('error', (e) => resolve({ code: -1, out, err: err + e.message }))
    child.on('close', (code) => resolve({ code, out, err }))
  })
}

// ---------------------------------------------------------------------------------------------
// Load generators and measures

const UNIT_MS = { us: 1e-3, ms: 1, s: 1e3, m: 6e4 }

/**
 * Parses `wrk --latency` output: `{ rps, p99 (ms), requests, non2xx, errors (socket) }`, or null without
 * req/s or p99. `requests` is NaN when wrk printed no total.
 */
export function parseWrk(out) {
  const rps = /^Requests\/sec:\s+([\d.]+)/m.exec(out)
  const p99 = /^\s+99%\s+([\d.]+)(us|ms|s|m)\s*$/m.exec(out)
  const total = /^\s*(\d+) requests in/m.exec(out)
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(out)
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out)
  if (!rps || !p99) return null
  return {
    rps: Number(rps[1]),
    p99: Number(p99[1]) * UNIT_MS[p99[2]],
    requests: total ? Number(total[1]) : Number.NaN,
    non2xx: non2xx ? Number(non2xx[1]) : 0,
    errors: sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
  }
}

/** Linux clock ticks (USER_HZ, 100 on Linux) in µs. */
export const TICK_US = 10_000

/** A process's user + system time in clock ticks, from /proc/<pid>/stat; NaN where it cannot be read. */
export function cpuTicks(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return Number(fields[11]) + Number(fields[12])
  } catch {
    return Number.NaN
  }
}

// ---------------------------------------------------------------------------------------------
// Numbers

/** Writes a self-signed EC certificate for `localhost`, valid one day, to `dir`/key.pem and `dir`/cert.pem. */
export function selfSignedCert(dir) {
  const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost']
  const r = spawnSync('openssl', [...args, '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' })
  if (r.status !== 0) throw new Error('openssl could not make a test certificate')
}

/** The median (the mean of the middle two for an even count); NaN for none. */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

/** The `q` quantile (0..1), interpolated between neighbours; NaN for none. */
export function quantile(xs, q) {
  const s = [...xs].sort((a, b) => a - b)
  if (!s.length) return Number.NaN
  const i = (s.length - 1) * q
  const lo = Math.floor(i)
  return s[lo] + (s[Math.ceil(i)] - s[lo]) * (i - lo)
}

/** `12,345`; `—` for a number that is not finite. */
export const fmtInt = (n) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '—')
/** `n` with `digits` decimals; `—` for a number that is not finite. */
export const fmt = (n, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '—')
/** `1.23×`; `—` for a ratio that is not finite. */
export const fmtRatio = (n) => (Number.isFinite(n) ? `${n.toFixed(2)}×` : '—')

/** `N non-2xx` and `N socket errors` summed over the runs, for a table's notes; none when both are 0. */
export function errorNotes(runs) {
  const non2xx = runs.reduce((a, x) => a + x.non2xx, 0)
  const errors = runs.reduce((a, x) => a + x.errors, 0)
  return [...(non2xx ? [`${non2xx} non-2xx`] : []), ...(errors ? [`${errors} socket errors`] : [])]
}
