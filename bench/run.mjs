// Side-by-side HTTP benchmark: weir against node:http and other frameworks. See bench/README.md.
//
//   node bench/run.mjs [--rounds 3] [--duration 5] [--connections 50] [--warmup 1]
//                      [--cases a,b,c] [--only weir,fastify] [--no-pin] [--no-build]
//
// Each flag also reads an environment variable: BENCH_ROUNDS, BENCH_DURATION, BENCH_CONNECTIONS,
// BENCH_WARMUP, BENCH_CASES, BENCH_ONLY. A flag wins over its variable.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { AUTOCANNON, cpuTicks, errorNotes, fmtInt, fmtRatio, freePort, gitRevision, loadAverage, loadLine, machine, median, onPath, parseWrk, pinned, ROOT, run, startChild, stopChild, TICK_US, untilReady, version } from './lib.mjs'
import { CASES } from './servers/common.mjs'

const BENCH = join(ROOT, 'bench')
const SERVERS = ['raw', 'weir', 'fastify', 'hono', 'koa', 'express']
const PACKAGES = {
  fastify: ['fastify'],
  hono: ['hono', '@hono/node-server'],
  koa: ['koa', '@koa/router'],
  express: ['express'],
}
const SERVER_CORE = '0'
const LOAD_CORE = '1'

// ---------------------------------------------------------------------------------------------
// Options

function usage(message) {
  if (message) console.error(`bench: ${message}`)
  console.error(
    'usage: node bench/run.mjs [--rounds N] [--duration S] [--connections N] [--warmup S]\n' +
      `                          [--cases ${Object.keys(CASES).join(',')}] [--only ${SERVERS.join(',')}]\n` +
      '                          [--no-pin] [--no-build]',
  )
  process.exit(2)
}

function parseOptions(argv) {
  const raw = {
    rounds: process.env.BENCH_ROUNDS ?? '3',
    duration: process.env.BENCH_DURATION ?? '5',
    connections: process.env.BENCH_CONNECTIONS ?? '50',
    warmup: process.env.BENCH_WARMUP ?? '1',
    cases: process.env.BENCH_CASES ?? Object.keys(CASES).join(','),
    only: process.env.BENCH_ONLY ?? SERVERS.join(','),
    pin: true,
    build: true,
  }
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i]
    if (arg === '--help' || arg === '-h') usage()
    if (arg === '--no-pin') {
      raw.pin = false
      continue
    }
    if (arg === '--no-build') {
      raw.build = false
      continue
    }
    if (!arg.startsWith('--')) usage(`unexpected argument ${arg}`)
    arg = arg.slice(2)
    let value
    const eq = arg.indexOf('=')
    if (eq !== -1) {
      value = arg.slice(eq + 1)
      arg = arg.slice(0, eq)
    } else {
      value = argv[++i]
    }
    if (!Object.hasOwn(raw, arg) || typeof raw[arg] !== 'string') usage(`unknown flag --${arg}`)
    if (value === undefined) usage(`--${arg} needs a value`)
    raw[arg] = value
  }

  const int = (name, min) => {
    const n = Number(raw[name])
    if (!Number.isInteger(n) || n < min) usage(`--${name} must be an integer >= ${min}`)
    return n
  }
  const seconds = (name, min) => {
    const n = Number(String(raw[name]).replace(/s$/, ''))
    if (!Number.isInteger(n) || n < min) usage(`--${name} must be whole seconds >= ${min}`)
    return n
  }
  const list = (name, allowed) => {
    const items = raw[name]
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
    for (const item of items) if (!allowed.includes(item)) usage(`--${name}: unknown "${item}"`)
    if (items.length === 0) usage(`--${name} is empty`)
    return items
  }
  const only = list('only', SERVERS)
  return {
    rounds: int('rounds', 1),
    duration: seconds('duration', 1),
    connections: int('connections', 1),
    warmup: seconds('warmup', 0),
    cases: list('cases', Object.keys(CASES)),
    // Keep the canonical order (raw first) whatever order the flag gave.
    servers: SERVERS.filter((s) => only.includes(s)),
    pin: raw.pin,
    build: raw.build,
  }
}

// ---------------------------------------------------------------------------------------------
// Environment

function buildWeir() {
  console.log('> npx tsc -p tsconfig.build.json')
  const r = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, encoding: 'utf8' })
  if (r.error) return `build could not start: ${r.error.message}`
  if (r.status !== 0) {
    const out = `${r.stdout}${r.stderr}`.trim().split('\n')
    const errors = out.filter((l) => /error TS\d+/.test(l))
    console.error(out.slice(0, 20).join('\n'))
    if (out.length > 20) console.error(`... (${out.length - 20} more lines)`)
    return `build failed (tsc exit ${r.status}, ${errors.length} error${errors.length === 1 ? '' : 's'})`
  }
  if (!existsSync(join(ROOT, 'dist', 'index.js'))) return 'build produced no dist/index.js'
  return null
}

/** Starts `bench/servers/<name>.mjs <kase> <port>` pinned to the server core; resolves once it prints `ready`. */
async function startServer(opts, name, kase) {
  const port = await freePort()
  const file = join(BENCH, 'servers', `${name}.mjs`)
  const [cmd, args] = pinned(opts.pin, SERVER_CORE, process.execPath, [file, kase, String(port)])
  // Production settings for every framework (express and weir both switch on NODE_ENV).
  const env = { ...process.env, NODE_ENV: 'production', WEIR_MODE: 'release' }
  const child = startChild(cmd, args, { env })
  try {
    await untilReady(child)
  } catch (err) {
    await stopChild(child)
    const detail = lastError(child.err)
    throw new Error(detail ? `${err.message}: ${detail}` : err.message)
  }
  return { child, port, stderr: () => child.err }
}

/** The most telling line of a server's stderr (the thrown error), for the failure note. */
function lastError(stderr) {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
  return lines.find((l) => /^\w*Error\b|^Error \[|ERR_/.test(l)) ?? lines.at(-1) ?? ''
}

// The servers still running are killed on exit (bench/lib.mjs).
process.on('SIGINT', () => process.exit(130))
process.on('SIGTERM', () => process.exit(143))

// Extra routes of case (b) that must not be shadowed by a parameter route or mismatched.
const TABLE_PROBES = [
  ['GET', '/user/repos', { route: 'GET /user/repos' }],
  ['GET', '/repos/o/r/releases/latest', { route: 'GET /repos/:owner/:repo/releases/latest' }],
  ['GET', '/repos/o/r/releases/7', { route: 'GET /repos/:owner/:repo/releases/:releaseId' }],
  ['PUT', '/repos/o/r/pulls/3/merge', { route: 'PUT /repos/:owner/:repo/pulls/:number/merge' }],
  ['DELETE', '/gists/abc', { route: 'DELETE /gists/:gistId' }],
]

/** Returns null when the server answers the case correctly, else what is wrong. */
async function checkAnswer(port, kase) {
  const base = `http://127.0.0.1:${port}`
  const probes = [['GET', CASES[kase].path, JSON.parse(CASES[kase].expected)]]
  if (kase === 'b') probes.push(...TABLE_PROBES)
  for (const [method, path, expected] of probes) {
    let res
    let text
    try {
      res = await fetch(base + path, { method, signal: AbortSignal.timeout(5000) })
      text = await res.text()
    } catch (err) {
      return `${method} ${path}: ${err.cause?.message ?? err.message}`
    }
    const want = JSON.stringify(expected)
    if (res.status !== 200) return `${method} ${path}: status ${res.status}, body ${clip(text)}`
    const type = res.headers.get('content-type') ?? ''
    if (!/^application\/json\b/i.test(type)) return `${method} ${path}: content-type "${type}"`
    let got
    try {
      got = JSON.stringify(JSON.parse(text))
    } catch {
      return `${method} ${path}: body is not JSON: ${clip(text)}`
    }
    if (got !== want) return `${method} ${path}: body ${clip(text)}, expected ${want}`
  }
  return null
}

function clip(s) {
  const one = s.replace(/\s+/g, ' ').trim()
  return `'${one.length > 80 ? `${one.slice(0, 80)}...` : one}'`
}

// ---------------------------------------------------------------------------------------------
// Load generation

/** One load run against `url` for `seconds`; returns parsed numbers or throws. */
async function load(opts, tool, url, seconds) {
  if (tool === 'wrk') {
    const [cmd, args] = pinned(opts.pin, LOAD_CORE, 'wrk', [
      '-t1',
      `-c${opts.connections}`,
      `-d${seconds}s`,
      '--latency',
      url,
    ])
    const r = await run(cmd, args)
    const parsed = parseWrk(r.out)
    if (r.code !== 0 || !parsed) throw new Error(`wrk failed (exit ${r.code}): ${clip(r.err || r.out)}`)
    return parsed
  }
  const [cmd, args] = pinned(opts.pin, LOAD_CORE, process.execPath, [
    AUTOCANNON,
    '-c',
    String(opts.connections),
    '-d',
    String(seconds),
    '-j',
    url,
  ])
  const r = await run(cmd, args)
  let j
  try {
    j = JSON.parse(r.out)
  } catch {
    throw new Error(`autocannon failed (exit ${r.code}): ${clip(r.err || r.out)}`)
  }
  return {
    rps: j.requests.average,
    p99: j.latency.p99,
    requests: j.requests.total,
    non2xx: j.non2xx ?? 0,
    errors: (j.errors ?? 0) + (j.timeouts ?? 0),
  }
}

// ---------------------------------------------------------------------------------------------
// Statistics and report

const fmtMs = (n) => (n < 10 ? n.toFixed(2) : n.toFixed(1))

function tableFor(kase, servers, results) {
  const med = new Map()
  for (const name of servers) {
    const r = results.get(name)
    if (r.runs.length > 0) med.set(name, median(r.runs.map((x) => x.rps)))
  }
  const cpuMed = new Map()
  for (const name of servers) {
    const r = results.get(name)
    if (r.runs.length > 0) cpuMed.set(name, median(r.runs.map((x) => x.cpuUs)))
  }
  const rawCpu = cpuMed.get('raw') ?? Number.NaN
  const fastifyCpu = cpuMed.get('fastify') ?? Number.NaN
  const rawRps = med.get('raw') ?? Number.NaN
  const fastifyRps = med.get('fastify') ?? Number.NaN
  const lines = [
    `### (${kase}) ${CASES[kase].title}`,
    '',
    '| framework | req/s (median) | p99 ms (median) | vs raw node:http | vs fastify | req/s min–max | server CPU µs/req (median) | CPU vs raw | CPU vs fastify | notes |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---|',
  ]
  for (const name of servers) {
    const r = results.get(name)
    const notes = []
    if (r.failed) notes.push(`**failed**: ${r.failed.replace(/\|/g, '\\|')}`)
    notes.push(...errorNotes(r.runs))
    if (r.runs.length > 0 && r.runs.length < r.expectedRuns) notes.push(`${r.runs.length}/${r.expectedRuns} rounds`)
    if (r.runs.length === 0) {
      lines.push(`| ${name} | — | — | — | — | — | — | — | — | ${notes.join('; ')} |`)
      continue
    }
    const rps = med.get(name)
    const p99 = median(r.runs.map((x) => x.p99))
    const lo = Math.min(...r.runs.map((x) => x.rps))
    const hi = Math.max(...r.runs.map((x) => x.rps))
    lines.push(
      `| ${name} | ${fmtInt(rps)} | ${fmtMs(p99)} | ${fmtRatio(rps / rawRps)} | ${fmtRatio(rps / fastifyRps)} | ${fmtInt(lo)}–${fmtInt(hi)} | ${cpuMed.get(name).toFixed(1)} | ${fmtRatio(rawCpu / cpuMed.get(name))} | ${fmtRatio(fastifyCpu / cpuMed.get(name))} | ${notes.join('; ')} |`,
    )
  }
  return lines.join('\n')
}

// ---------------------------------------------------------------------------------------------
// Main

async function main() {
  const opts = parseOptions(process.argv.slice(2))
  const tool = onPath('wrk') ? 'wrk' : 'autocannon'
  const cores = availableParallelism()
  if (opts.pin && !onPath('taskset')) {
    console.warn('bench: taskset not found; running unpinned')
    opts.pin = false
  }
  if (opts.pin && cores < 2) {
    console.warn(`bench: only ${cores} core(s); running unpinned`)
    opts.pin = false
  }

  let weirFailure = null
  if (opts.servers.includes('weir')) {
    weirFailure = opts.build ? buildWeir() : null
    if (!weirFailure && !existsSync(join(ROOT, 'dist', 'index.js'))) weirFailure = 'no dist/index.js (run npm run build)'
    if (weirFailure) console.error(`bench: weir: ${weirFailure}; continuing with the others`)
  }

  const started = new Date()
  const loadBefore = loadAverage('bench', ' before starting')
  const seconds =
    opts.cases.length * opts.rounds * opts.servers.length * (opts.duration + opts.warmup + 1)
  console.log(
    `bench: ${tool}, ${opts.rounds} round(s) × ${opts.duration}s, ${opts.connections} connections, ` +
      `cases ${opts.cases.join(',')}, servers ${opts.servers.join(',')}, ` +
      `${opts.pin ? `server on core ${SERVER_CORE}, load on core ${LOAD_CORE}` : 'unpinned'} ` +
      `(~${Math.ceil(seconds / 60)} min)`,
  )

  const tables = []
  for (const kase of opts.cases) {
    const { path } = CASES[kase]
    const results = new Map(
      opts.servers.map((s) => [s, { runs: [], failed: null, expectedRuns: opts.rounds }]),
    )
    if (weirFailure) results.get('weir').failed = weirFailure
    for (let round = 0; round < opts.rounds; round++) {
      // Rotate the order each round so slow drift (thermal, noisy neighbours) hits every server alike.
      const n = opts.servers.length
      const order = opts.servers.map((_, i) => opts.servers[(i + round) % n])
      for (const name of order) {
        const result = results.get(name)
        if (result.failed) continue
        const label = `(${kase}) round ${round + 1}/${opts.rounds} ${name.padEnd(8)}`
        let server
        try {
          server = await startServer(opts, name, kase)
          const wrong = await checkAnswer(server.port, kase)
          if (wrong) throw new Error(`wrong answer: ${wrong}`)
          const url = `http://127.0.0.1:${server.port}${path}`
          if (opts.warmup > 0) await load(opts, tool, url, opts.warmup)
          const cpu0 = cpuTicks(server.child.pid)
          const m = await load(opts, tool, url, opts.duration)
          // Server CPU per request: steadier than req/s on a shared machine, where the server's core
          // is sometimes taken by others (req/s drops) but the work per request does not change.
          m.cpuUs = ((cpuTicks(server.child.pid) - cpu0) * TICK_US) / m.requests
          if (server.child.exitCode !== null || server.child.signalCode !== null) {
            throw new Error(`server died during the run: ${lastError(server.stderr())}`)
          }
          result.runs.push(m)
          const extra = m.non2xx || m.errors ? `  (${m.non2xx} non-2xx, ${m.errors} socket errors)` : ''
          console.log(`${label} ${fmtInt(m.rps).padStart(9)} req/s  p99 ${fmtMs(m.p99)} ms${extra}`)
        } catch (err) {
          result.failed = err.message
          console.log(`${label} FAILED: ${err.message}`)
        } finally {
          if (server) await stopChild(server.child)
        }
      }
    }
    const table = tableFor(kase, opts.servers, results)
    tables.push(table)
    console.log(`\n${table}\n`)
  }

  const versions = Object.entries(PACKAGES)
    .filter(([name]) => opts.servers.includes(name))
    .flatMap(([, pkgs]) => pkgs.map((p) => `${p} ${version(p)}`))
  const header = [
    '# weir benchmark: latest run',
    '',
    `- date: ${started.toISOString()}`,
    `- weir: ${gitRevision()}`,
    `- ${machine()}`,
    `- load: ${tool} -t1 -c${opts.connections} -d${opts.duration}s after a ${opts.warmup}s warm-up; ${opts.rounds} round(s), order rotated per round`,
    `- ${loadLine(loadBefore)} (the run itself adds ~1-2)`,
    `- pinning: ${opts.pin ? `server on core ${SERVER_CORE}, load generator on core ${LOAD_CORE} (taskset)` : 'none'}`,
    `- peers: ${versions.length ? versions.join(', ') : '—'}`,
    '- cells are medians over rounds; ratios are median req/s over the median req/s of raw node:http / fastify',
    '',
  ].join('\n')
  const dir = join(BENCH, 'results')
  mkdirSync(dir, { recursive: true })
  const file = join(dir, 'latest.md')
  writeFileSync(file, `${header}\n${tables.join('\n\n')}\n`)
  console.log(`bench: wrote ${file}`)
}

await main()
