// The cost of the recommended stack: hello case, bare weir vs `recommended()` with the JSON access log
// written to a file through pino (issue 5's target: ≥ 0.85× of bare). Servers run from src/ through tsx
// (same code as dist/, no build needed), pinned to core 0; wrk (or autocannon) on core 1.
//
//   node bench/recommended.mjs                         # 3 rounds × 5 s
//   node bench/recommended.mjs --rounds 1 --duration 2 # smoke run: checks the harness, not a result
//   node bench/recommended.mjs --inproc                # CPU µs per request of the JS path alone (no sockets):
//                                                      # steady on a shared machine, where req/s is not
//
// Server mode (used by the runner): node --import tsx bench/recommended.mjs --serve <bare|recommended> <port> <log>
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { countCpu, freePort } from './lib.mjs'

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)))
const HELLO = { hello: 'world' }
// One part of the stack at a time (bench/instructions.mjs --groups recommended-parts): where its cost is.
const PARTS = {
  'request-id': { logger: false, recover: false },
  logger: { requestId: false, recover: false },
  recover: { requestId: false, logger: false },
}

if (process.argv[2] === '--serve') await serve(process.argv[3], Number(process.argv[4]), process.argv[5])
else if (process.argv[2] === '--inproc-run') await inproc(process.argv[3])
else if (process.argv.includes('--inproc')) spawnInproc()
else await main()

function spawnInproc() {
  const dir = mkdtempSync(join(tmpdir(), 'weir-bench-'))
  const args = ['--import', 'tsx', fileURLToPath(import.meta.url), '--inproc-run', join(dir, 'access.log')]
  const pin = cpus().length >= 2 && onPath('taskset')
  const [cmd, argv] = pin ? ['taskset', ['-c', '0', process.execPath, ...args]] : [process.execPath, args]
  spawnSync(cmd, argv, { cwd: ROOT, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production', WEIR_MODE: 'release' } })
  rmSync(dir, { recursive: true, force: true })
}

/** The app's handler driven with Node's own request/response objects on a socket that discards writes. */
async function inproc(logFile) {
  const { IncomingMessage, ServerResponse } = await import('node:http')
  const { Duplex } = await import('node:stream')
  const { createApp } = await import('../src/index.ts')
  const { createLogger } = await import('../src/middleware/logger/index.ts')
  const { recommended } = await import('../src/middleware/recommended/index.ts')
  const sock = Object.assign(new Duplex({ read() {}, write: (_c, _e, cb) => cb() }), { remoteAddress: '127.0.0.1', remotePort: 5555 })
  const build = (rec) => {
    const app = createApp({ mode: 'release', logger: rec ? createLogger({ mode: 'release', destination: logFile }) : undefined })
    if (rec) app.use(...recommended())
    app.get('/', (c) => c.json(HELLO))
    return app.handler()
  }
  const one = (h) => {
    const req = Object.assign(new IncomingMessage(sock), { method: 'GET', url: '/', httpVersion: '1.1', httpVersionMajor: 1, httpVersionMinor: 1 })
    req.headers = { host: 'localhost', 'user-agent': 'bench' }
    req.rawHeaders = ['host', 'localhost', 'user-agent', 'bench']
    const res = new ServerResponse(req)
    res.assignSocket(sock)
    return new Promise((resolve) => {
      res.once('finish', () => {
        res.detachSocket(sock)
        res.emit('close') // what Node's server does after finish
        resolve()
      })
      h(req, res)
    })
  }
  const hs = { bare: build(false), recommended: build(true) }
  const best = {}
  for (let round = 0; round < 7; round++) {
    for (const [name, h] of Object.entries(hs)) {
      const t = process.cpuUsage()
      for (let i = 0; i < 50_000; i++) await one(h)
      const u = process.cpuUsage(t)
      if (round > 0) best[name] = Math.min(best[name] ?? Number.POSITIVE_INFINITY, (u.user + u.system) / 50_000)
    }
  }
  console.log(`in-process, CPU per request (min of 6 × 50k): bare ${best.bare.toFixed(2)} µs, recommended ${best.recommended.toFixed(2)} µs (+${(best.recommended - best.bare).toFixed(2)} µs)`)
}

async function serve(variant, port, logFile) {
  const { createApp } = await import('../src/index.ts')
  let app
  if (variant === 'bare') app = createApp({ mode: 'release' })
  else {
    const { createLogger } = await import('../src/middleware/logger/index.ts')
    const { recommended } = await import('../src/middleware/recommended/index.ts')
    app = createApp({ mode: 'release', logger: createLogger({ mode: 'release', destination: logFile }) })
    app.use(...recommended(PARTS[variant] ?? {}))
  }
  app.get('/', (c) => c.json(HELLO))
  const server = await app.listen({ port })
  countCpu(server)
  console.log('ready')
}

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`)
  return i === -1 ? fallback : Number(process.argv[i + 1])
}

async function main() {
  const rounds = option('rounds', 3)
  const duration = option('duration', 5)
  const connections = option('connections', 50)
  const pin = cpus().length >= 2 && onPath('taskset')
  const tool = onPath('wrk') ? 'wrk' : 'autocannon'
  const dir = mkdtempSync(join(tmpdir(), 'weir-bench-'))
  const results = { bare: [], recommended: [] }
  const cpu = { bare: [], recommended: [] }
  try {
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? ['bare', 'recommended'] : ['recommended', 'bare']
      for (const variant of order) {
        const logFile = join(dir, `access-${variant}-${r}.log`)
        const { rps, cpuPerRequest } = await measure(variant, logFile, { duration, connections, pin, tool })
        results[variant].push(rps)
        cpu[variant].push(cpuPerRequest)
        const lines = variant === 'recommended' ? `, log ${(statSync(logFile).size / 1e6).toFixed(1)} MB` : ''
        console.log(`round ${r + 1} ${variant.padEnd(11)} ${Math.round(rps).toLocaleString('en-US')} req/s, ${cpuPerRequest.toFixed(1)} µs CPU/request${lines}`)
      }
    }
    const check = readFileSync(join(dir, 'access-recommended-0.log'), 'utf8').split('\n', 1)[0]
    const bare = median(results.bare)
    const rec = median(results.recommended)
    console.log(`\n${tool}, ${connections} connections, ${rounds}×${duration}s, ${pin ? 'pinned (server core 0, load core 1)' : 'unpinned'}`)
    console.log(`bare        ${Math.round(bare).toLocaleString('en-US')} req/s (median)`)
    console.log(`recommended ${Math.round(rec).toLocaleString('en-US')} req/s (median)`)
    console.log(`ratio       ${(rec / bare).toFixed(2)}× req/s (target ≥ 0.85×)`)
    const cb = median(cpu.bare)
    const cr = median(cpu.recommended)
    console.log(`CPU/request bare ${cb.toFixed(1)} µs, recommended ${cr.toFixed(1)} µs: ratio ${(cb / cr).toFixed(2)}× (steadier when the machine is shared)`)
    console.log(`load average now: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`)
    console.log(`a log line: ${check}`)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

async function measure(variant, logFile, o) {
  const port = await freePort()
  const args = ['--import', 'tsx', fileURLToPath(import.meta.url), '--serve', variant, String(port), logFile]
  const [cmd, argv] = o.pin ? ['taskset', ['-c', '0', process.execPath, ...args]] : [process.execPath, args]
  const env = { ...process.env, NODE_ENV: 'production', WEIR_MODE: 'release' }
  const child = spawn(cmd, argv, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit', 'ipc'] })
  try {
    await new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`${variant} not ready after 15 s`)), 15_000)
      child.stdout.on('data', (d) => {
        if (!String(d).includes('ready')) return
        clearTimeout(t)
        resolve()
      })
      child.once('exit', (code) => reject(new Error(`${variant} exited (${code})`)))
    })
    const url = `http://127.0.0.1:${port}/`
    await load(url, 1, o) // warm-up
    child.send('reset')
    const rps = await load(url, o.duration, o)
    const report = new Promise((resolve) => child.once('message', resolve))
    child.send('report')
    const { n, cpu } = await report
    return { rps, cpuPerRequest: cpu / Math.max(1, n), requests: n }
  } finally {
    child.kill('SIGTERM')
    await new Promise((r) => (child.exitCode === null ? child.once('exit', r) : r()))
  }
}

async function load(url, seconds, o) {
  const wrk = o.tool === 'wrk'
  const base = wrk
    ? ['wrk', ['-t1', `-c${o.connections}`, `-d${seconds}s`, url]]
    : [process.execPath, [join(ROOT, 'node_modules/autocannon/autocannon.js'), '-c', String(o.connections), '-d', String(seconds), '-j', url]]
  const [cmd, args] = o.pin ? ['taskset', ['-c', '1', base[0], ...base[1]]] : base
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 24 })
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr || r.stdout}`)
  if (wrk) {
    if (/Non-2xx/.test(r.stdout)) throw new Error(`non-2xx answers:\n${r.stdout}`)
    return Number(/^Requests\/sec:\s+([\d.]+)/m.exec(r.stdout)[1])
  }
  const j = JSON.parse(r.stdout)
  if (j.non2xx) throw new Error(`${j.non2xx} non-2xx answers`)
  return j.requests.average
}

function onPath(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0
}


function median(xs) {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}
