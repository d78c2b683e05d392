// The TechEmpower test types, side by side: weir, raw node:http, fastify, hono, express. See bench/README.md.
//
//   node bench/tfb/run.mjs [--rounds 3] [--duration 5] [--warmup 1] [--connections 64]
//                          [--tests json,plaintext,...] [--only weir,raw,...] [--db weir_tfb] [--pool 16]
//                          [--no-pin] [--no-build]
//   node bench/tfb/run.mjs --instructions [--rows 'weir json'] [--warmup 40] [--duration 20] [--fixed]
//
// Each server runs alone, freshly started per measured run, pinned to core 0; wrk runs on core 1. Before a
// run, the server must pass the verifier's rules for that test type. The database (--db) is recreated first.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { availableParallelism, cpus, loadavg } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { cpuTicks, errorNotes, fmtInt, fmtRatio, loadLine, median, onPath, parseWrk, pinned, ROOT, run, startChild, stopChild, TICK_US, untilReady, version } from '../lib.mjs'
import { createDatabase } from './setup.mjs'
import { verify } from './verify.mjs'

const HERE = join(ROOT, 'bench', 'tfb')
const SERVERS = ['raw', 'weir', 'fastify', 'hono', 'express']
const PACKAGES = { fastify: ['fastify'], hono: ['hono', '@hono/node-server'], express: ['express'] }
/** The test types: the URL wrk loads and whether it pipelines (TFB pipelines /plaintext 16 deep). */
const TESTS = {
  json: { path: '/json' },
  plaintext: { path: '/plaintext', pipeline: 16 },
  db: { path: '/db' },
  queries: { path: '/queries?queries=20' },
  updates: { path: '/updates?queries=20' },
  fortunes: { path: '/fortunes' },
  'cached-queries': { path: '/cached-queries?count=100' },
}
const SERVER_CORE = '0'
const LOAD_CORE = '1'
const READY_MS = 20_000

const { values: o } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '1' },
    connections: { type: 'string', default: '64' },
    tests: { type: 'string', default: Object.keys(TESTS).join(',') },
    only: { type: 'string', default: SERVERS.join(',') },
    db: { type: 'string', default: 'weir_tfb' },
    pool: { type: 'string', default: '16' },
    'no-pin': { type: 'boolean', default: false },
    'no-build': { type: 'boolean', default: false },
    instructions: { type: 'boolean', default: false },
    fixed: { type: 'boolean', default: false },
    rows: { type: 'string' },
  },
})

function usage(message) {
  console.error(`bench/tfb: ${message}`)
  console.error(
    `usage: node bench/tfb/run.mjs [--rounds N] [--duration S] [--warmup S] [--connections N]\n` +
      `         [--tests ${Object.keys(TESTS).join(',')}] [--only ${SERVERS.join(',')}]\n` +
      `         [--db name] [--pool N] [--no-pin] [--no-build] [--instructions [--rows labels] [--fixed]]`,
  )
  process.exit(2)
}

function int(name, min) {
  const n = Number(String(o[name]).replace(/s$/, ''))
  if (!Number.isInteger(n) || n < min) usage(`--${name} must be an integer >= ${min}`)
  return n
}

function list(name, allowed) {
  const items = o[name]
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  for (const item of items) if (!allowed.includes(item)) usage(`--${name}: unknown "${item}" (one of ${allowed.join(', ')})`)
  if (items.length === 0) usage(`--${name} is empty`)
  return allowed.filter((a) => items.includes(a))
}

const opts = {
  rounds: int('rounds', 1),
  duration: int('duration', 1),
  warmup: int('warmup', 0),
  connections: int('connections', 1),
  pool: int('pool', 1),
  tests: list('tests', Object.keys(TESTS)),
  servers: list('only', SERVERS),
  pin: !o['no-pin'],
}

function build() {
  console.log('> npx tsc -p tsconfig.build.json')
  const r = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' })
  if (r.status !== 0 || !existsSync(join(ROOT, 'dist', 'index.js'))) return `build failed (tsc exit ${r.status})`
  return null
}

/** Starts a server pinned to the server core; resolves with its child and port once it prints `ready <port>`. */
async function startServer(name, databaseUrl) {
  const file = join(HERE, 'servers', `${name}.mjs`)
  const [cmd, args] = pinned(opts.pin, SERVER_CORE, process.execPath, [file])
  const env = { ...process.env, PORT: '0', DATABASE_URL: databaseUrl, PG_POOL_SIZE: String(opts.pool), NODE_ENV: 'production', WEIR_MODE: 'release' }
  const child = startChild(cmd, args, { env })
  child.lastError = () => child.err.trim().split('\n').at(-1) ?? ''
  try {
    const m = await untilReady(child, { ready: /^ready (\d+)$/m, ms: READY_MS })
    return { child, port: Number(m[1]) }
  } catch (err) {
    await stopChild(child, 0)
    throw new Error(`${err.message}: ${child.lastError()}`)
  }
}

/** One wrk run; req/s, p99 (ms), requests, non-2xx and socket errors. */
async function load(url, test, seconds) {
  const script = TESTS[test].pipeline ? ['-s', join(HERE, 'pipeline.lua')] : []
  const tail = TESTS[test].pipeline ? ['--', String(TESTS[test].pipeline)] : []
  const [cmd, args] = pinned(opts.pin, LOAD_CORE, 'wrk', ['-t1', `-c${opts.connections}`, `-d${seconds}s`, '--timeout', '8', '--latency', ...script, url, ...tail])
  const r = await run(cmd, args)
  const m = parseWrk(r.out)
  if (r.code !== 0 || !m || Number.isNaN(m.requests)) throw new Error(`wrk failed (exit ${r.code}): ${(r.err || r.out).slice(0, 300)}`)
  return m
}

/** One measured run: a fresh server, its rules for `test` checked, warm-up, then wrk. */
async function measure(name, test, databaseUrl) {
  const server = await startServer(name, databaseUrl)
  try {
    const base = `http://127.0.0.1:${server.port}`
    const broken = (await verify(base, databaseUrl, [test])).filter((r) => r.error)
    if (broken.length > 0) throw new Error(`fails "${broken[0].name}": ${broken[0].error}`)
    const url = base + TESTS[test].path
    if (opts.warmup > 0) await load(url, test, opts.warmup)
    const cpu0 = cpuTicks(server.child.pid)
    const m = await load(url, test, opts.duration)
    m.cpuUs = ((cpuTicks(server.child.pid) - cpu0) * TICK_US) / m.requests
    if (server.child.exitCode !== null || server.child.signalCode !== null) throw new Error(`died under load: ${server.child.lastError()}`)
    return m
  } finally {
    await stopChild(server.child)
  }
}

function testTable(test, results) {
  const rps = (name) => {
    const runs = results.get(name)?.runs ?? []
    return runs.length ? median(runs.map((r) => r.rps)) : Number.NaN
  }
  // wrk times a pipelined batch, not each request in it: no p99 for those.
  const p99 = (runs) => (TESTS[test].pipeline ? '—' : median(runs.map((x) => x.p99)).toFixed(2))
  const lines = [
    `### ${test} (\`GET ${TESTS[test].path}\`${TESTS[test].pipeline ? `, pipelined ${TESTS[test].pipeline} deep` : ''})`,
    '',
    '| framework | req/s (median) | vs raw node:http | vs fastify | req/s min–max | p99 ms | server CPU µs/req | notes |',
    '|---|---:|---:|---:|---:|---:|---:|---|',
  ]
  for (const name of opts.servers) {
    const r = results.get(name)
    const notes = []
    if (r.failed) notes.push(`**failed**: ${r.failed.replace(/\|/g, '\\|')}`)
    notes.push(...errorNotes(r.runs))
    if (r.runs.length === 0) {
      lines.push(`| ${name} | — | — | — | — | — | — | ${notes.join('; ')} |`)
      continue
    }
    const all = r.runs.map((x) => x.rps)
    lines.push(
      `| ${name} | ${fmtInt(rps(name))} | ${fmtRatio(rps(name) / rps('raw'))} | ${fmtRatio(rps(name) / rps('fastify'))} | ` +
        `${fmtInt(Math.min(...all))}–${fmtInt(Math.max(...all))} | ${p99(r.runs)} | ` +
        `${median(r.runs.map((x) => x.cpuUs)).toFixed(1)} | ${notes.join('; ')} |`,
    )
  }
  return { table: lines.join('\n'), rps }
}

function summary(perTest) {
  const head = `| test | ${opts.servers.join(' | ')} | weir vs raw | weir vs fastify |`
  const lines = ['### req/s (medians)', '', head, `|---|${opts.servers.map(() => '---:|').join('')}---:|---:|`]
  for (const [test, rps] of perTest) {
    const cells = opts.servers.map((s) => (Number.isFinite(rps(s)) ? fmtInt(rps(s)) : '—'))
    lines.push(`| ${test} | ${cells.join(' | ')} | ${fmtRatio(rps('weir') / rps('raw'))} | ${fmtRatio(rps('weir') / rps('fastify'))} |`)
  }
  return lines.join('\n')
}

/** --instructions: bench/instructions.mjs's `tfb` group (json, plaintext, fortunes per server) on this database. */
async function instructions(databaseUrl) {
  const args = ['bench/instructions.mjs', '--groups', 'tfb']
  if (o.rows) args.push('--rows', o.rows)
  // Its own defaults (40 s warm-up, 20 s measured) unless given here.
  if (process.argv.includes('--warmup')) args.push('--warmup', String(opts.warmup))
  if (process.argv.includes('--duration')) args.push('--duration', String(opts.duration))
  if (o['no-build']) args.push('--no-build')
  // A fixed request count per row (h2load), so that servers are counted over the same requests.
  if (o.fixed) args.push('--fixed')
  const env = { ...process.env, DATABASE_URL: databaseUrl, PG_POOL_SIZE: String(opts.pool) }
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: 'inherit' })
  process.exitCode = await new Promise((resolve) => child.once('exit', (code) => resolve(code ?? 1)))
}

async function main() {
  if (!onPath('wrk')) usage('needs wrk (bash scripts/bench-tools.sh)')
  if (opts.pin && (!onPath('taskset') || availableParallelism() < 2)) {
    console.warn('bench/tfb: taskset missing or fewer than 2 cores; running unpinned')
    opts.pin = false
  }
  console.log(`> recreating database ${o.db}`)
  const databaseUrl = await createDatabase(o.db)
  if (o.instructions) return instructions(databaseUrl)

  const weirFailure = opts.servers.includes('weir') && !o['no-build'] ? build() : null
  const started = new Date()
  const loadBefore = loadavg()[0]
  const perRun = opts.duration + opts.warmup + 2
  const minutes = Math.ceil((opts.tests.length * opts.rounds * opts.servers.length * perRun) / 60)
  console.log(
    `bench/tfb: ${opts.rounds} round(s) × ${opts.duration}s, ${opts.connections} connections, pool ${opts.pool}, ` +
      `tests ${opts.tests.join(',')}, servers ${opts.servers.join(',')}, ` +
      `${opts.pin ? `server on core ${SERVER_CORE}, wrk on core ${LOAD_CORE}` : 'unpinned'} (~${minutes} min)`,
  )

  const tables = []
  const perTest = []
  for (const test of opts.tests) {
    const results = new Map(opts.servers.map((s) => [s, { runs: [], failed: null }]))
    if (weirFailure) results.get('weir').failed = weirFailure
    for (let round = 0; round < opts.rounds; round++) {
      // The order rotates each round, so slow drift lands on every server alike.
      const order = opts.servers.map((_, i) => opts.servers[(i + round) % opts.servers.length])
      for (const name of order) {
        const result = results.get(name)
        if (result.failed) continue
        const label = `${test} round ${round + 1}/${opts.rounds} ${name.padEnd(8)}`
        try {
          const m = await measure(name, test, databaseUrl)
          result.runs.push(m)
          const extra = m.non2xx || m.errors ? `  (${m.non2xx} non-2xx, ${m.errors} socket errors)` : ''
          const p99 = TESTS[test].pipeline ? '' : `  p99 ${m.p99.toFixed(2)} ms`
          console.log(`${label} ${fmtInt(m.rps).padStart(9)} req/s${p99}${extra}`)
        } catch (err) {
          result.failed = err.message
          console.log(`${label} FAILED: ${err.message}`)
        }
      }
    }
    const { table, rps } = testTable(test, results)
    tables.push(table)
    perTest.push([test, rps])
    console.log(`\n${table}\n`)
  }

  const versions = opts.servers.flatMap((s) => (PACKAGES[s] ?? []).map((p) => `${p} ${version(p)}`))
  const rev = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim()
  const report = [
    '# TechEmpower test types: latest run',
    '',
    `- date: ${started.toISOString()}, weir ${rev || 'no commit'}, node ${process.version}, ${availableParallelism()} cores (${cpus()[0]?.model?.trim() ?? '?'})`,
    `- wrk -t1 -c${opts.connections} -d${opts.duration}s after a ${opts.warmup}s warm-up; ${opts.rounds} round(s), order rotated per round; pg Pool of ${opts.pool}`,
    `- pinning: ${opts.pin ? `server on core ${SERVER_CORE}, wrk on core ${LOAD_CORE}; PostgreSQL unpinned` : 'none'}`,
    `- ${loadLine(loadBefore)}`,
    `- peers: ${versions.join(', ') || '—'}`,
    '',
    summary(perTest),
    '',
    tables.join('\n\n'),
    '',
  ].join('\n')
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true })
  const file = join(ROOT, 'bench', 'results', 'tfb.md')
  writeFileSync(file, report)
  console.log(`${summary(perTest)}\n\nbench/tfb: wrote ${file}`)
}

await main()
