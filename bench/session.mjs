// Session benchmark: the cost of a session read and of a read + write per request, on weir's memory, file,
// SQLite and Redis stores, against a bare weir route and against @fastify/session and express-session on
// the same Redis (connect-redis, ioredis). See bench/README.md (Sessions).
//
//   node bench/session.mjs [--rounds 3] [--duration 5] [--warmup 1] [--connections 50]
//                          [--rows weir-bare,weir-memory-read,...] [--redis redis://127.0.0.1:6379] [--no-pin]
//   node bench/session.mjs --smoke        # 1 round × 2 s per row: checks the harness, not a result
//
// Every load connection carries its own session cookie, obtained by a first request (GET /seed), so each
// request loads and saves one existing session and no two requests in flight share one. With wrk that is one
// wrk thread per connection (-tN -cN, a cookie per thread); without wrk, autocannon's API (a cookie per
// connection). Servers are pinned to core 0, the load generator to core 1; Redis runs wherever it runs.
// weir runs from src/ through tsx (no build needed). Redis keys live under a random prefix, deleted at the end.
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { ask, errorNotes, fmt as fmtUs, fmtInt, fmtRatio, freePort, gitRevision, killAll, loadAverage, loadLine, machine, median, onPath, parseWrk, pinned, ROOT, run, startChild, stopChild, untilReady, version } from './lib.mjs'
import { cookieScript, seedCookies } from './servers-session/common.mjs'

const BENCH = join(ROOT, 'bench')
const TSX = ['--import', 'tsx']

/**
 * The rows, in table order. `base` is the row whose CPU per request the row adds to (its framework's bare
 * route); `expect` is the count GET / answers for a session seeded at 0 (null: any count, it increments).
 */
const ROWS = [
  { id: 'weir-bare', label: 'weir, bare route', file: 'weir.mjs', variant: 'bare', tsx: true, expect: 0, base: 'weir-bare' },
  { id: 'weir-memory-read', label: 'weir session read, memory', file: 'weir.mjs', variant: 'memory-read', tsx: true, expect: 0, base: 'weir-bare' },
  { id: 'weir-memory', label: 'weir session read + write, memory', file: 'weir.mjs', variant: 'memory', tsx: true, base: 'weir-bare' },
  { id: 'weir-file', label: 'weir session read + write, file', file: 'weir.mjs', variant: 'file', tsx: true, base: 'weir-bare' },
  { id: 'weir-sqlite', label: 'weir session read + write, SQLite', file: 'weir.mjs', variant: 'sqlite', tsx: true, base: 'weir-bare' },
  { id: 'weir-redis', label: 'weir session read + write, Redis', file: 'weir.mjs', variant: 'redis', tsx: true, redis: true, base: 'weir-bare' },
  { id: 'fastify-bare', label: 'fastify, bare route', file: 'fastify.mjs', variant: 'bare', expect: 0, base: 'fastify-bare' },
  { id: 'fastify-redis', label: '@fastify/session read + write, Redis', file: 'fastify.mjs', variant: 'redis', redis: true, base: 'fastify-bare' },
  { id: 'express-bare', label: 'express, bare route', file: 'express.mjs', variant: 'bare', expect: 0, base: 'express-bare' },
  { id: 'express-redis', label: 'express-session read + write, Redis', file: 'express.mjs', variant: 'redis', redis: true, base: 'express-bare' },
]
const COOKIE_NAME = { 'weir.mjs': 'weir.sid', 'fastify.mjs': 'sid', 'express.mjs': 'sid' }
const PEERS = ['fastify', '@fastify/session', '@fastify/cookie', 'express', 'express-session', 'connect-redis', 'ioredis']

// ---------------------------------------------------------------------------------------------
// Options and environment

const { values: o } = parseArgs({
  options: {
    rounds: { type: 'string', default: process.env.BENCH_ROUNDS ?? '3' },
    duration: { type: 'string', default: process.env.BENCH_DURATION ?? '5' },
    warmup: { type: 'string', default: process.env.BENCH_WARMUP ?? '1' },
    connections: { type: 'string', default: process.env.BENCH_CONNECTIONS ?? '50' },
    rows: { type: 'string', default: ROWS.map((r) => r.id).join(',') },
    redis: { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
    smoke: { type: 'boolean', default: false },
    'no-pin': { type: 'boolean', default: false },
  },
})
if (o.smoke) Object.assign(o, { rounds: '1', duration: '2', warmup: '1' })
const opts = {
  rounds: whole('rounds', 1),
  duration: whole('duration', 1),
  warmup: whole('warmup', 0),
  connections: whole('connections', 1),
  rows: o.rows.split(',').map((s) => s.trim()).filter(Boolean),
}
for (const id of opts.rows) {
  if (!ROWS.some((r) => r.id === id)) usage(`unknown row ${id}; rows: ${ROWS.map((r) => r.id).join(', ')}`)
}
const rows = ROWS.filter((r) => opts.rows.includes(r.id))

function whole(name, min) {
  const n = Number(String(o[name]).replace(/s$/, ''))
  if (!Number.isInteger(n) || n < min) usage(`--${name} must be an integer >= ${min}`)
  return n
}

function usage(message) {
  console.error(`bench/session: ${message}`)
  console.error('usage: node bench/session.mjs [--rounds N] [--duration S] [--warmup S] [--connections N] [--rows a,b] [--redis URL] [--no-pin] [--smoke]')
  process.exit(2)
}

const tool = onPath('wrk') ? 'wrk' : 'autocannon'
const pin = !o['no-pin'] && onPath('taskset') && availableParallelism() >= 2

// ---------------------------------------------------------------------------------------------
// Redis: reachable?, its CPU (INFO cpu), and the cleanup of this run's keys

const prefix = `weir-bench-session:${randomBytes(6).toString('hex')}:`
let redis

async function connectRedis() {
  const { Redis } = await import('ioredis')
  const client = new Redis(o.redis, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null })
  client.on('error', () => {})
  try {
    await Promise.race([client.connect(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 3000))])
    await client.ping()
    return client
  } catch (err) {
    client.disconnect()
    return err
  }
}

/** Redis's own CPU time so far, µs (INFO cpu: used_cpu_user + used_cpu_sys, in seconds). */
async function redisCpu() {
  const info = await redis.info('cpu')
  const field = (name) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? Number.NaN)
  return (field('used_cpu_user') + field('used_cpu_sys')) * 1e6
}

async function cleanRedis() {
  if (!redis || redis instanceof Error) return
  let deleted = 0
  let cursor = '0'
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)
    cursor = next
    if (keys.length) deleted += await redis.del(...keys)
  } while (cursor !== '0')
  console.log(`bench/session: deleted ${deleted} Redis keys under ${prefix}`)
}

// ---------------------------------------------------------------------------------------------
// Servers

for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]]) {
  process.on(signal, () => {
    killAll()
    cleanRedis().finally(() => process.exit(code))
  })
}

async function start(row, dir) {
  const port = await freePort()
  const file = join(BENCH, 'servers-session', row.file)
  const [cmd, args] = pinned(pin, '0', process.execPath, [...(row.tsx ? TSX : []), file, row.variant, String(port)])
  const env = {
    ...process.env,
    NODE_ENV: 'production',
    WEIR_MODE: 'release',
    BENCH_REDIS_URL: o.redis,
    BENCH_PREFIX: `${prefix}${row.id}:`,
    BENCH_DIR: dir,
  }
  const child = startChild(cmd, args, { env, ipc: true })
  try {
    await untilReady(child)
  } catch (err) {
    await stopChild(child)
    throw new Error(`${err.message}: ${child.err.trim().split('\n').slice(-3).join(' ')}`)
  }
  return { child, port, stderr: () => child.err }
}

/** GET / with one cookie: the count answered, and whether a Set-Cookie came back. */
async function getCount(base, cookie) {
  const res = await fetch(`${base}/`, { headers: { cookie }, signal: AbortSignal.timeout(10_000) })
  const text = await res.text()
  if (res.status !== 200) throw new Error(`GET / answered ${res.status}: ${text.slice(0, 200)}`)
  if (!/^application\/json\b/i.test(res.headers.get('content-type') ?? '')) throw new Error(`GET / content-type ${res.headers.get('content-type')}`)
  const count = JSON.parse(text).count
  if (!Number.isInteger(count)) throw new Error(`GET / answered ${text.slice(0, 200)}`)
  return { count, setCookie: res.headers.getSetCookie().length > 0 }
}

// ---------------------------------------------------------------------------------------------
// Load

/** One load run with a cookie per connection; req/s, p99 ms, completed requests, non-2xx and socket errors. */
async function load(url, seconds, loadFiles) {
  const c = opts.connections
  if (tool === 'wrk') {
    const [cmd, args] = pinned(pin, '1', 'wrk', [`-t${c}`, `-c${c}`, `-d${seconds}s`, '--latency', '-s', loadFiles.lua, url])
    const r = await run(cmd, args)
    const m = parseWrk(r.out)
    if (r.code !== 0 || !m || Number.isNaN(m.requests)) throw new Error(`wrk failed (exit ${r.code}): ${(r.err || r.out).slice(0, 300)}`)
    return m
  }
  const driver = join(BENCH, 'servers-session', 'autocannon.mjs')
  const [cmd, args] = pinned(pin, '1', process.execPath, [driver, url, String(c), String(seconds), loadFiles.json])
  const r = await run(cmd, args)
  let j
  try {
    j = JSON.parse(r.out)
  } catch {
    throw new Error(`autocannon failed (exit ${r.code}): ${(r.err || r.out).slice(0, 300)}`)
  }
  return { rps: j.requests.average, p99: j.latency.p99, requests: j.requests.total, non2xx: j.non2xx ?? 0, errors: (j.errors ?? 0) + (j.timeouts ?? 0) }
}

// ---------------------------------------------------------------------------------------------
// One measured run of one row

async function measure(row, dir) {
  const server = await start(row, dir)
  try {
    const base = `http://127.0.0.1:${server.port}`
    const cookies = await seedCookies(base, opts.connections, COOKIE_NAME[row.file])
    const session = row.base !== row.id
    if (session && cookies.some((c) => !c.startsWith(`${COOKIE_NAME[row.file]}=`))) throw new Error('GET /seed set no session cookie')
    // The answer: a bare route and a read answer 0, a write 1 (the seeded 0 plus one).
    const first = await getCount(base, cookies[0])
    const want = row.expect ?? 1
    if (first.count !== want) throw new Error(`GET / with a seeded session answered count ${first.count}, expected ${want}`)
    const tag = `${row.id}-${server.port}`
    const loadFiles = { lua: cookieScript(join(dir, `${tag}.lua`), cookies), json: join(dir, `${tag}.json`) }
    writeFileSync(loadFiles.json, JSON.stringify(cookies))
    const url = `${base}/`
    let sent = 1
    if (opts.warmup > 0) sent += (await load(url, opts.warmup, loadFiles)).requests
    server.child.send('reset')
    const redis0 = row.redis ? await redisCpu() : 0
    const m = await load(url, opts.duration, loadFiles)
    const redis1 = row.redis ? await redisCpu() : 0
    const { n, cpu } = await ask(server.child, 'report')
    if (server.child.exitCode !== null || server.child.signalCode !== null) throw new Error(`server died: ${server.stderr().slice(-300)}`)
    sent += m.requests
    m.cpuUs = cpu / Math.max(1, n)
    m.redisUs = row.redis ? (redis1 - redis0) / Math.max(1, n) : Number.NaN
    m.notes = []
    // Every write must have landed: the counters of all sessions add up to the requests the server handled
    // (wrk's count misses those in flight when it stops, at most one per connection per load run).
    if (row.expect === undefined) {
      const last = await Promise.all(cookies.map((c) => getCount(base, c)))
      m.setCookie = last.some((x) => x.setCookie)
      const total = last.reduce((a, x) => a + x.count - 1, 0)
      const slack = opts.connections * (opts.warmup > 0 ? 2 : 1)
      if (total < sent) m.notes.push(`**${sent - total} writes lost**`)
      else if (total > sent + slack) m.notes.push(`counters add up to ${total}, ${sent} requests sent`)
    } else {
      m.setCookie = (await getCount(base, cookies[0])).setCookie
    }
    return m
  } finally {
    await stopChild(server.child)
  }
}

// ---------------------------------------------------------------------------------------------
// Report

function table(results) {
  const med = (id, key) => {
    const runs = results.get(id)?.runs ?? []
    return runs.length ? median(runs.map((x) => x[key])) : Number.NaN
  }
  const bareRps = med('weir-bare', 'rps')
  const bareCpu = med('weir-bare', 'cpuUs')
  const lines = [
    '| row | req/s (median) | vs weir bare | server CPU µs/req (median) | CPU vs weir bare | + CPU µs/req over its bare route | Redis CPU µs/req | p99 ms | req/s min–max | Set-Cookie on every answer | notes |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|',
  ]
  for (const row of rows) {
    const r = results.get(row.id)
    const notes = [...new Set(r.runs.flatMap((x) => x.notes))]
    if (r.failed) notes.push(`**failed**: ${r.failed.replace(/\|/g, '\\|').replace(/\s+/g, ' ').slice(0, 300)}`)
    notes.push(...errorNotes(r.runs))
    if (r.runs.length && r.runs.length < opts.rounds) notes.push(`${r.runs.length}/${opts.rounds} rounds`)
    if (!r.runs.length) {
      lines.push(`| ${row.label} | — | — | — | — | — | — | — | — | — | ${notes.join('; ')} |`)
      continue
    }
    const rps = med(row.id, 'rps')
    const cpu = med(row.id, 'cpuUs')
    const added = row.base === row.id ? '' : fmtUs(cpu - med(row.base, 'cpuUs'))
    const rpsAll = r.runs.map((x) => x.rps)
    lines.push(
      `| ${row.label} | ${fmtInt(rps)} | ${fmtRatio(rps / bareRps)} | ${fmtUs(cpu)} | ${fmtRatio(bareCpu / cpu)} | ${added} | ${row.redis ? fmtUs(med(row.id, 'redisUs')) : ''} | ${med(row.id, 'p99').toFixed(2)} | ${fmtInt(Math.min(...rpsAll))}–${fmtInt(Math.max(...rpsAll))} | ${r.runs.some((x) => x.setCookie) ? 'yes' : 'no'} | ${notes.join('; ')} |`,
    )
  }
  const read = med('weir-memory-read', 'cpuUs')
  const target = Number.isFinite(read) && Number.isFinite(bareCpu)
    ? `Target — a session read on the memory store costs ≤ 10 % of a bare route: +${(((read - bareCpu) / bareCpu) * 100).toFixed(1)} % server CPU per request (${read.toFixed(1)} vs ${bareCpu.toFixed(1)} µs), ${((1 - med('weir-memory-read', 'rps') / bareRps) * 100).toFixed(1)} % fewer req/s: **${read <= bareCpu * 1.1 ? 'met' : 'not met'}** on CPU per request.`
    : 'Target — a session read on the memory store costs ≤ 10 % of a bare route: not measured in this run (needs rows weir-bare and weir-memory-read).'
  return `${lines.join('\n')}\n\n${target}`
}

// ---------------------------------------------------------------------------------------------
// Main

async function main() {
  const started = new Date()
  const loadBefore = loadAverage('bench/session')
  const results = new Map(rows.map((r) => [r.id, { runs: [], failed: null }]))
  if (rows.some((r) => r.redis)) {
    redis = await connectRedis()
    if (redis instanceof Error) {
      for (const row of rows.filter((r) => r.redis)) results.get(row.id).failed = `no Redis at ${o.redis} (${redis.message}); start one (npm run services) or pass --redis`
      console.warn(`bench/session: no Redis at ${o.redis}: the Redis rows are skipped`)
    }
  }
  const minutes = Math.ceil((rows.length * opts.rounds * (opts.duration + opts.warmup + 3)) / 60)
  console.log(
    `bench/session: ${tool} (${opts.connections} connections, ${tool === 'wrk' ? 'one thread and one cookie each' : 'one cookie each'}), ${opts.rounds} round(s) × ${opts.duration} s after ${opts.warmup} s warm-up, ` +
      `${pin ? 'server on core 0, load on core 1' : 'unpinned'}, ${rows.length} rows (~${minutes} min)`,
  )
  const dir = mkdtempSync(join(tmpdir(), 'weir-session-bench-'))
  try {
    for (let round = 0; round < opts.rounds; round++) {
      // Rotated each round, so slow drift and noisy neighbours hit every row alike.
      const order = rows.map((_, i) => rows[(i + round) % rows.length])
      for (const row of order) {
        const r = results.get(row.id)
        if (r.failed) continue
        const label = `round ${round + 1}/${opts.rounds} ${row.id.padEnd(17)}`
        try {
          const m = await measure(row, dir)
          r.runs.push(m)
          const redisNote = row.redis ? `, Redis ${fmtUs(m.redisUs)} µs/req` : ''
          console.log(`${label} ${fmtInt(m.rps).padStart(8)} req/s  ${fmtUs(m.cpuUs).padStart(6)} µs CPU/req${redisNote}  p99 ${m.p99.toFixed(2)} ms${m.notes.length ? `  ${m.notes.join('; ')}` : ''}`)
        } catch (err) {
          r.failed = err.message
          console.log(`${label} FAILED: ${err.message}`)
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
    await cleanRedis()
    if (redis && !(redis instanceof Error)) redis.disconnect()
  }

  const text = table(results)
  const header = [
    '# weir session benchmark',
    '',
    `- date: ${started.toISOString()}`,
    `- weir: ${gitRevision()} (src/ through tsx)`,
    `- ${machine()}`,
    `- load: ${tool}, ${opts.connections} connections with one session cookie each, ${opts.duration} s after a ${opts.warmup} s warm-up; ${opts.rounds} round(s), order rotated per round`,
    `- pinning: ${pin ? 'server on core 0, load generator on core 1 (taskset); Redis unpinned' : 'none'}`,
    `- ${loadLine(loadBefore)}`,
    `- peers: ${PEERS.map((p) => `${p} ${version(p)}`).join(', ')}`,
    '- cells are medians over rounds; "CPU vs weir bare" is weir bare\'s CPU per request over the row\'s (throughput-equivalent);',
    '  "+ CPU" is what the session adds over the same framework\'s bare route; Redis CPU is the Redis server\'s own (INFO cpu)',
    '',
  ].join('\n')
  console.log(`\n${text}\n`)
  mkdirSync(join(BENCH, 'results'), { recursive: true })
  writeFileSync(join(BENCH, 'results', 'session.md'), `${header}\n${text}\n`)
  console.log('bench/session: wrote bench/results/session.md')
  if ([...results.values()].some((r) => r.failed)) process.exitCode = 1
}

await main()
