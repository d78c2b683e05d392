// Request-body benchmark: JSON posts of 1 KB / 64 KB / 1 MB to weir, fastify and hono; the cost of reading
// one body twice in weir; what buffer recycling buys on bare node:http. See docs/body.md (Benchmark).
//
//   node bench/body.mjs [--duration 5] [--warmup 1] [--connections 20] [--rounds 3]
//                       [--sizes 1k,64k,1m] [--sections frameworks,twice,recycle] [--no-pin] [--no-build]
import { spawn, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { TICK_US, cpuTicks, freePort } from './lib.mjs'
import { SIZES, answer, makeBody } from './servers-body/common.mjs'

const BENCH = dirname(fileURLToPath(import.meta.url))
const ROOT = dirname(BENCH)
const SECTIONS = ['frameworks', 'twice', 'recycle']

function options(argv) {
  const o = { duration: 5, warmup: 1, connections: 20, rounds: 3, sizes: Object.keys(SIZES), sections: SECTIONS, pin: true, build: true }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--no-pin') o.pin = false
    else if (a === '--no-build') o.build = false
    else if (['--duration', '--warmup', '--connections', '--rounds'].includes(a)) o[a.slice(2)] = Number(argv[++i])
    else if (a === '--sizes' || a === '--sections') o[a.slice(2)] = argv[++i].split(',')
    else {
      console.error(`bench/body: unknown argument ${a}\nusage: node bench/body.mjs [--duration S] [--warmup S] [--connections N] [--rounds N] [--sizes 1k,64k,1m] [--sections ${SECTIONS.join(',')}] [--no-pin] [--no-build]`)
      process.exit(2)
    }
  }
  for (const s of o.sizes) if (!(s in SIZES)) throw new Error(`unknown size ${s}`)
  for (const s of o.sections) if (!SECTIONS.includes(s)) throw new Error(`unknown section ${s}`)
  const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0
  o.tool = has('wrk') ? 'wrk' : 'autocannon'
  if (o.pin && (!has('taskset') || availableParallelism() < 2)) o.pin = false
  return o
}

const pinned = (o, core, cmd, args) => (o.pin ? ['taskset', ['-c', core, cmd, ...args]] : [cmd, args])

function run(cmd, args) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d) => {
      out += d
    })
    child.stderr.on('data', (d) => {
      out += d
    })
    child.on('close', (code) => resolve({ code, out }))
  })
}


async function start(o, name, variant) {
  const port = await freePort()
  const file = join(BENCH, 'servers-body', `${name}.mjs`)
  const [cmd, args] = pinned(o, '0', process.execPath, [file, String(port), ...(variant ? [variant] : [])])
  const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, NODE_ENV: 'production', WEIR_MODE: 'release' }, stdio: ['ignore', 'pipe', 'inherit'] })
  await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${name} not ready after 15 s`)), 15000)
    child.stdout.on('data', (d) => {
      if (/ready/.test(String(d))) {
        clearTimeout(t)
        resolve()
      }
    })
    child.once('exit', (code) => reject(new Error(`${name} exited (${code})`)))
  })
  const stop = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve()
      child.once('exit', resolve)
      child.kill('SIGTERM')
    })
  return { port, pid: child.pid, stop }
}

/** One load run; returns req/s, p99 ms and non-2xx count. */
async function load(o, url, file, seconds) {
  if (o.tool === 'wrk') {
    const lua = join(dirname(file), 'post.lua')
    writeFileSync(lua, `wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nlocal f = io.open("${file}", "rb")\nwrk.body = f:read("*all")\nf:close()\n`)
    const [cmd, args] = pinned(o, '1', 'wrk', ['-t1', `-c${o.connections}`, `-d${seconds}s`, '--latency', '-s', lua, url])
    const r = await run(cmd, args)
    const rps = /^Requests\/sec:\s+([\d.]+)/m.exec(r.out)
    const p99 = /^\s+99%\s+([\d.]+)(us|ms|s)\s*$/m.exec(r.out)
    const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(r.out)
    if (!rps || !p99) throw new Error(`wrk failed: ${r.out.slice(0, 300)}`)
    const scale = { us: 0.001, ms: 1, s: 1000 }[p99[2]]
    return { rps: Number(rps[1]), p99: Number(p99[1]) * scale, non2xx: non2xx ? Number(non2xx[1]) : 0 }
  }
  const ac = join(ROOT, 'node_modules', 'autocannon', 'autocannon.js')
  const [cmd, args] = pinned(o, '1', process.execPath, [ac, '-c', String(o.connections), '-d', String(seconds), '-m', 'POST', '-H', 'content-type=application/json', '-i', file, '-j', url])
  const j = JSON.parse((await run(cmd, args)).out)
  return { rps: j.requests.average, p99: j.latency.p99, non2xx: j.non2xx ?? 0 }
}

const gcOf = async (port) => (await fetch(`http://127.0.0.1:${port}/__gc`)).json()

/** Starts a server, checks its answer, measures one run with GC ms per 1000 requests. */
async function measureOnce(o, { name, variant, path }, size, file, body) {
  const s = await start(o, name, variant)
  try {
    const url = `http://127.0.0.1:${s.port}${path}`
    const res = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json' } })
    const got = await res.text()
    if (got !== JSON.stringify(answer(JSON.parse(body)))) throw new Error(`${name} ${path} answered ${res.status} ${got.slice(0, 200)}`)
    if (o.warmup > 0) await load(o, url, file, o.warmup)
    const before = await gcOf(s.port)
    const ticks = cpuTicks(s.pid)
    const m = await load(o, url, file, o.duration)
    const requests = m.rps * o.duration
    // Server CPU per request (user + system): unlike req/s, time the VM gives to others is not in it.
    m.cpu = ((cpuTicks(s.pid) - ticks) * TICK_US) / requests
    const after = await gcOf(s.port)
    m.gcPer1k = ((after.ms - before.ms) / requests) * 1000
    const label = `${name}${variant ? `:${variant}` : ''}${path === '/' ? '' : path}`
    console.log(`  ${size.padEnd(4)} ${label.padEnd(16)} ${fmt(m.rps).padStart(8)} req/s  ${m.cpu.toFixed(1)} µs CPU/req  p99 ${m.p99.toFixed(1)} ms  gc ${m.gcPer1k.toFixed(1)} ms/1k req${m.non2xx ? `  ${m.non2xx} non-2xx` : ''}`)
    return m
  } finally {
    await s.stop()
  }
}

/**
 * Measures several servers on one size, interleaved: each round runs every one once, in a rotated order, so
 * drift and noisy neighbours hit them alike. Returns the median req/s, CPU per request and GC of each.
 */
async function measure(o, targets, size, file, body) {
  const runs = targets.map(() => [])
  for (let r = 0; r < o.rounds; r++) {
    for (let k = 0; k < targets.length; k++) {
      const i = (k + r) % targets.length
      runs[i].push(await measureOnce(o, targets[i], size, file, body))
    }
  }
  return runs.map((list) => {
    const median = (key) => list.map((m) => m[key]).sort((a, b) => a - b)[list.length >> 1]
    return { rps: median('rps'), cpu: median('cpu'), gcPer1k: median('gcPer1k') }
  })
}

const fmt = (n) => Math.round(n).toLocaleString('en-US')
const ratio = (a, b) => `${(a / b).toFixed(2)}×`

async function main() {
  const o = options(process.argv.slice(2))
  if (o.build && o.sections.some((s) => s !== 'recycle')) {
    const b = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' })
    if (b.status !== 0) process.exit(1)
  }
  const dir = mkdtempSync(join(tmpdir(), 'weir-body-bench-'))
  const bodies = Object.fromEntries(o.sizes.map((s) => {
    const body = makeBody(SIZES[s])
    const file = join(dir, `${s}.json`)
    writeFileSync(file, body)
    return [s, { body, file }]
  }))
  console.log(`bench/body: ${o.tool}, ${o.connections} connections, ${o.rounds} round(s) × ${o.duration} s, ${o.pin ? 'pinned' : 'unpinned'}`)
  const out = [`# weir body benchmark\n\n- ${new Date().toISOString()}, node ${process.version}, ${o.tool} -c${o.connections} ${o.duration}s × ${o.rounds}, ${o.pin ? 'server core 0, load core 1' : 'unpinned'}\n`]

  if (o.sections.includes('frameworks')) {
    const rows = ['## JSON POST, parse and answer `{ ok, n }`\n', '| size | weir req/s | fastify req/s | hono req/s | weir/fastify | weir/hono | server CPU µs/req (weir, fastify, hono) | fastify/weir CPU | GC ms/1k req (weir, fastify, hono) |', '|---|---:|---:|---:|---:|---:|---|---:|---|']
    for (const s of o.sizes) {
      const targets = ['weir', 'fastify', 'hono'].map((name) => ({ name, path: '/' }))
      const [weir, fastify, hono] = await measure(o, targets, s, bodies[s].file, bodies[s].body)
      rows.push(`| ${s} | ${fmt(weir.rps)} | ${fmt(fastify.rps)} | ${fmt(hono.rps)} | ${ratio(weir.rps, fastify.rps)} | ${ratio(weir.rps, hono.rps)} | ${[weir, fastify, hono].map((x) => x.cpu.toFixed(1)).join(', ')} | ${ratio(fastify.cpu, weir.cpu)} | ${[weir, fastify, hono].map((x) => x.gcPer1k.toFixed(1)).join(', ')} |`)
    }
    out.push(rows.join('\n'))
  }
  if (o.sections.includes('twice')) {
    const rows = ['## weir: the body read twice (middleware `bytes()`, handler `json()`) vs once\n', '| size | once req/s | twice req/s | cost of twice (once/twice, goal ≤ 1.05×) |', '|---|---:|---:|---:|']
    for (const s of o.sizes) {
      const [once, twice] = await measure(o, [{ name: 'weir', path: '/once' }, { name: 'weir', path: '/twice' }], s, bodies[s].file, bodies[s].body)
      rows.push(`| ${s} | ${fmt(once.rps)} | ${fmt(twice.rps)} | ${ratio(once.rps, twice.rps)} |`)
    }
    out.push(rows.join('\n'))
  }
  if (o.sections.includes('recycle')) {
    const rows = [
      '## Buffer recycling: pooled buffers vs the socket chunks + one Buffer.concat\n',
      '| size | where | plain req/s | pool req/s | pool/plain | GC ms/1k req plain | GC ms/1k req pool |',
      '|---|---|---:|---:|---:|---:|---:|',
    ]
    for (const s of o.sizes) {
      const variants = ['plain', 'pool'].map((variant) => ({ name: 'recycle', variant, path: '/' }))
      const [plain, pool] = await measure(o, variants, s, bodies[s].file, bodies[s].body)
      rows.push(`| ${s} | node:http, ${o.tool} | ${fmt(plain.rps)} | ${fmt(pool.rps)} | ${ratio(pool.rps, plain.rps)} | ${plain.gcPer1k.toFixed(1)} | ${pool.gcPer1k.toFixed(1)} |`)
      const [cmd, args] = pinned(o, '0', process.execPath, [join(BENCH, 'servers-body', 'recycle-loop.mjs'), String(SIZES[s]), String(o.duration * 1000)])
      const lines = (await run(cmd, args)).out.trim().split('\n').map((l) => JSON.parse(l))
      const [p, q] = ['plain', 'pool'].map((v) => lines.find((l) => l.variant === v))
      console.log(`  ${s.padEnd(4)} in-process       plain ${fmt(p.rps)} req/s, pool ${fmt(q.rps)} req/s`)
      rows.push(`| ${s} | in-process loop | ${fmt(p.rps)} | ${fmt(q.rps)} | ${ratio(q.rps, p.rps)} | ${p.gcPer1k.toFixed(1)} | ${q.gcPer1k.toFixed(1)} |`)
    }
    out.push(rows.join('\n'))
  }
  const text = `${out.join('\n\n')}\n`
  console.log(`\n${text}`)
  mkdirSync(join(BENCH, 'results'), { recursive: true })
  writeFileSync(join(BENCH, 'results', 'body.md'), text)
}

await main()
