// WebSocket benchmark: echo round trips and a 1,000-member broadcast on raw ws, weir's websocket(),
// @fastify/websocket and hono's upgradeWebSocket (@hono/node-server), side by side; and, with --idle, weir's
// memory over a long run of idle sockets with a short heartbeat. See bench/README.md (WebSocket).
//
//   node bench/ws.mjs [--rounds 3] [--duration 5] [--warmup 1] [--connections 100] [--clients 1000]
//                     [--broadcasts 50] [--broadcast-warmup 5] [--cases echo,broadcast]
//                     [--only raw,weir,fastify,hono] [--no-pin] [--out file.md]
//   node bench/ws.mjs --idle [--idle-duration 600] [--heartbeat 1000] [--sample 10] [--clients 1000]
//   node bench/ws.mjs --smoke [--idle]   # 1 round × 2 s, 10 broadcasts (idle: 20 s): checks the harness
//
// Servers (bench/servers-ws/) are pinned to core 0, the load generator (bench/servers-ws/load.mjs, ws
// clients) to core 1; weir runs from src/ through tsx. Every measured run starts a fresh server. The server's
// CPU time over the measured window comes over IPC: CPU per round trip / per broadcast is the steadier figure
// on a shared machine.
import { mkdirSync, writeFileSync } from 'node:fs'
import { availableParallelism, loadavg } from 'node:os'
import { dirname, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseArgs } from 'node:util'
import { dead, fmt, fmtInt, fmtRatio, freePort, gitRevision, killAll, loadAverage, loadLine, machine, median, onPath, pinned, quantile, ROOT, startChild, stopChild, untilReady, version } from './lib.mjs'

const BENCH = join(ROOT, 'bench')
const SERVERS = {
  raw: { label: 'raw ws', tsx: false },
  weir: { label: 'weir', tsx: true },
  'weir-buffer': { label: "weir, text: 'buffer'", tsx: true },
  fastify: { label: '@fastify/websocket', tsx: false },
  hono: { label: 'hono (@hono/node-server)', tsx: false },
}
const CASES = ['echo', 'broadcast']
const PEERS = ['ws', 'fastify', '@fastify/websocket', 'hono', '@hono/node-server']

// ---------------------------------------------------------------------------------------------
// Options

const { values: o } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '1' },
    connections: { type: 'string', default: '100' },
    clients: { type: 'string', default: '1000' },
    broadcasts: { type: 'string', default: '50' },
    'broadcast-warmup': { type: 'string', default: '5' },
    cases: { type: 'string', default: CASES.join(',') },
    only: { type: 'string', default: Object.keys(SERVERS).join(',') },
    idle: { type: 'boolean', default: false },
    'idle-duration': { type: 'string' },
    heartbeat: { type: 'string', default: '1000' },
    sample: { type: 'string', default: '10' },
    out: { type: 'string' },
    smoke: { type: 'boolean', default: false },
    'no-pin': { type: 'boolean', default: false },
  },
})
if (o.smoke) Object.assign(o, { rounds: '1', duration: '2', warmup: '1', broadcasts: '10', 'broadcast-warmup': '2' })
o['idle-duration'] ??= o.smoke ? '20' : '600'
const opts = {
  rounds: whole('rounds', 1),
  duration: whole('duration', 1),
  warmup: whole('warmup', 0),
  connections: whole('connections', 1),
  clients: whole('clients', 1),
  broadcasts: whole('broadcasts', 1),
  broadcastWarmup: whole('broadcast-warmup', 1),
  idleDuration: whole('idle-duration', 1),
  heartbeat: whole('heartbeat', 1),
  sample: whole('sample', 1),
  cases: list('cases', CASES),
  servers: list('only', Object.keys(SERVERS)),
}

function whole(name, min) {
  const n = Number(String(o[name]).replace(/s$/, ''))
  if (!Number.isInteger(n) || n < min) usage(`--${name} must be an integer >= ${min}`)
  return n
}

function list(name, allowed) {
  const xs = o[name].split(',').map((s) => s.trim()).filter(Boolean)
  for (const x of xs) if (!allowed.includes(x)) usage(`unknown --${name} ${x}; one of ${allowed.join(', ')}`)
  return allowed.filter((x) => xs.includes(x))
}

function usage(message) {
  console.error(`bench/ws: ${message}`)
  console.error('usage: node bench/ws.mjs [--rounds N] [--duration S] [--warmup S] [--connections N] [--clients N] [--broadcasts N] [--broadcast-warmup N] [--cases echo,broadcast] [--only raw,weir,fastify,hono] [--no-pin] [--out file] [--smoke]')
  console.error('       node bench/ws.mjs --idle [--idle-duration S] [--heartbeat MS] [--sample S] [--clients N] [--out file] [--smoke]')
  process.exit(2)
}

const pin = !o['no-pin'] && onPath('taskset') && availableParallelism() >= 2

// ---------------------------------------------------------------------------------------------
// Children: servers on core 0, load generators on core 1, all with an IPC channel. Every child is killed
// when this process ends, however it ends (bench/lib.mjs).

for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]]) process.on(signal, () => process.exit(code))

function child(core, args, env = {}) {
  const [cmd, argv] = pinned(pin, core, process.execPath, args)
  return startChild(cmd, argv, { env: { ...process.env, ...env }, ipc: true })
}

const tail = (c) => c.err.trim().split('\n').slice(-3).join(' ')

/** The next IPC message of `c` that is `{ type }` (or any reply, without a type); rejects on exit or timeout. */
function next(c, type, ms) {
  return new Promise((resolve, reject) => {
    const done = (err, value) => {
      clearTimeout(t)
      c.off('message', on)
      c.off('exit', onExit)
      err ? reject(err) : resolve(value)
    }
    const on = (m) => {
      if (type && m?.type === 'error') done(new Error(m.message))
      else if (!type || m?.type === type) done(null, m)
    }
    const onExit = (code) => done(new Error(`exited (${code}) ${tail(c)}`))
    const t = setTimeout(() => done(new Error(`no ${type ?? 'reply'} after ${ms / 1000} s ${tail(c)}`)), ms)
    c.on('message', on)
    c.once('exit', onExit)
  })
}

function ask(c, message, type) {
  const reply = next(c, type, 30_000)
  c.send(message)
  return reply
}

async function startServer(name, { gc = false, heartbeat } = {}) {
  const port = await freePort()
  const file = join(BENCH, 'servers-ws', `${name}.mjs`)
  const flags = [...(SERVERS[name].tsx ? ['--import', 'tsx'] : []), ...(gc ? ['--expose-gc'] : [])]
  const env = { NODE_ENV: 'production', WEIR_MODE: 'release', ...(heartbeat ? { BENCH_WS_HEARTBEAT: String(heartbeat) } : {}) }
  const c = child('0', [...flags, file, String(port)], env)
  try {
    await untilReady(c)
  } catch (err) {
    await stopChild(c)
    throw new Error(`${name}: ${err.message}: ${tail(c)}`)
  }
  return { c, url: (path) => `ws://127.0.0.1:${port}${path}` }
}

function startLoad(job) {
  return child('1', [join(BENCH, 'servers-ws', 'load.mjs'), JSON.stringify(job)])
}

async function stopLoad(load) {
  if (!dead(load)) load.send('stop')
  const t = setTimeout(() => load.kill('SIGKILL'), 5000)
  await load.exited
  clearTimeout(t)
}

// ---------------------------------------------------------------------------------------------
// One measured run: the load connects and warms up, the server's CPU window opens, the load measures.

async function measured(name, job, resultTimeout) {
  const server = await startServer(name)
  const load = startLoad({ ...job, url: server.url(job.path) })
  try {
    await next(load, 'measure', 120_000)
    server.c.send('reset')
    load.send('go')
    const r = await next(load, 'result', resultTimeout)
    const { cpu } = await ask(server.c, 'report')
    if (dead(server.c)) throw new Error('died')
    const notes = []
    if (r.wrong) notes.push(`**${r.wrong} wrong messages**`)
    if (r.closed) notes.push(`**${r.closed} sockets closed**`)
    // Busy: the share of its core each side used; a load near 100 % means the load generator set the pace.
    return { ...r, cpu, busy: { server: cpu / 1e6 / r.seconds, load: r.busy }, notes }
  } catch (err) {
    if (!dead(server.c)) throw err
    throw new Error(`server died (${server.c.signalCode ?? `exit ${server.c.exitCode}`}): ${err.message} ${tail(server.c)}`)
  } finally {
    await stopLoad(load)
    await stopChild(server.c)
  }
}

async function echo(name) {
  const job = { mode: 'echo', path: '/echo', connections: opts.connections, warmup: opts.warmup, duration: opts.duration }
  const r = await measured(name, job, (opts.duration + 60) * 1000)
  if (!r.roundTrips) throw new Error('no round trip completed')
  return { rps: r.roundTrips / r.seconds, cpuUs: r.cpu / r.roundTrips, busy: r.busy, notes: r.notes }
}

async function broadcast(name) {
  const job = { mode: 'broadcast', path: '/room', clients: opts.clients, warmup: opts.broadcastWarmup, count: opts.broadcasts }
  const r = await measured(name, job, opts.broadcasts * 30_000 + 60_000)
  return { times: r.times, median: quantile(r.times, 0.5), p95: quantile(r.times, 0.95), cpuMs: r.cpu / 1000 / r.times.length, busy: r.busy, notes: r.notes }
}

// ---------------------------------------------------------------------------------------------
// Numbers and tables

const pct = (n) => `${Math.round(n * 100)} %`
/** Median share of a core used by the server and by the load generator over the rounds. */
const busyCell = (r) => `${pct(median(r.runs.map((x) => x.busy.server)))} / ${pct(median(r.runs.map((x) => x.busy.load)))}`
const cell = (s) => s.replace(/\|/g, '\\|').replace(/\s+/g, ' ').slice(0, 300)

function notesOf(r) {
  const notes = [...new Set(r.runs.flatMap((x) => x.notes))]
  if (r.failed) notes.push(`**failed**: ${cell(r.failed)}`)
  if (r.runs.length && r.runs.length < opts.rounds) notes.push(`${r.runs.length}/${opts.rounds} rounds`)
  return notes.join('; ')
}

function echoTable(results) {
  const raw = results.get('raw')
  const rawRps = raw?.runs.length ? median(raw.runs.map((x) => x.rps)) : Number.NaN
  const rawCpu = raw?.runs.length ? median(raw.runs.map((x) => x.cpuUs)) : Number.NaN
  const lines = [
    `### Echo: ${opts.connections} connections, sequential 32-byte text round trips`,
    '',
    '| server | round trips/s (median) | vs raw ws | server CPU µs/round trip (median) | CPU vs raw ws | round trips/s min–max | core busy: server / load | notes |',
    '|---|---:|---:|---:|---:|---:|---:|---|',
  ]
  for (const name of opts.servers) {
    const r = results.get(name)
    if (!r.runs.length) {
      lines.push(`| ${SERVERS[name].label} | — | — | — | — | — | — | ${notesOf(r)} |`)
      continue
    }
    const rps = r.runs.map((x) => x.rps)
    const cpu = median(r.runs.map((x) => x.cpuUs))
    lines.push(
      `| ${SERVERS[name].label} | ${fmtInt(median(rps))} | ${fmtRatio(median(rps) / rawRps)} | ${fmt(cpu)} | ${fmtRatio(rawCpu / cpu)} | ${fmtInt(Math.min(...rps))}–${fmtInt(Math.max(...rps))} | ${busyCell(r)} | ${notesOf(r)} |`,
    )
  }
  return lines.join('\n')
}

function broadcastTable(results) {
  const pooled = (name) => results.get(name)?.runs.flatMap((x) => x.times) ?? []
  const rawMedian = median(pooled('raw'))
  const rawCpu = median(results.get('raw')?.runs.map((x) => x.cpuMs) ?? [])
  const lines = [
    `### Broadcast: one 64-byte text to ${fmtInt(opts.clients)} members (and the control socket), ${opts.broadcasts} per round`,
    '',
    `| server | ms until all ${fmtInt(opts.clients)} have it (median) | p95 ms | time vs raw ws | server CPU ms/broadcast (median) | CPU vs raw ws | round medians min–max | core busy: server / load | notes |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|---|',
  ]
  for (const name of opts.servers) {
    const r = results.get(name)
    const times = pooled(name)
    if (!times.length) {
      lines.push(`| ${SERVERS[name].label} | — | — | — | — | — | — | — | ${notesOf(r)} |`)
      continue
    }
    const m = median(times)
    const cpu = median(r.runs.map((x) => x.cpuMs))
    const meds = r.runs.map((x) => x.median)
    lines.push(
      `| ${SERVERS[name].label} | ${fmt(m, 2)} | ${fmt(quantile(times, 0.95), 2)} | ${fmtRatio(m / rawMedian)} | ${fmt(cpu, 2)} | ${fmtRatio(rawCpu / cpu)} | ${fmt(Math.min(...meds), 2)}–${fmt(Math.max(...meds), 2)} | ${busyCell(r)} | ${notesOf(r)} |`,
    )
  }
  return lines.join('\n')
}

function header(title, started, loadBefore, lines) {
  return [
    `# ${title}`,
    '',
    ...(o.smoke ? ['**Smoke run** (--smoke): checks the harness; the numbers are not a result.', ''] : []),
    `- date: ${started.toISOString()}`,
    `- weir: ${gitRevision()} (src/ through tsx)`,
    `- ${machine()}`,
    `- pinning: ${pin ? 'server on core 0, load generator (ws clients, one Node process) on core 1 (taskset)' : 'none'}`,
    `- ${loadLine(loadBefore)}`,
    ...lines,
    '',
  ].join('\n')
}

function emit(text) {
  console.log(`\n${text}`)
  if (o.out) {
    mkdirSync(dirname(o.out), { recursive: true })
    writeFileSync(o.out, `${text}\n`)
    console.log(`bench/ws: wrote ${o.out}`)
  }
}

// ---------------------------------------------------------------------------------------------
// Side by side: each case, rounds interleaved across servers (order rotated each round)

async function sideBySide() {
  const started = new Date()
  const loadBefore = loadAverage('bench/ws')
  console.log(
    `bench/ws: ${opts.cases.join(', ')}; ${opts.servers.join(', ')}; ${opts.rounds} round(s); echo ${opts.connections} connections × ${opts.duration} s after ${opts.warmup} s; ` +
      `broadcast to ${opts.clients} × ${opts.broadcasts} after ${opts.broadcastWarmup}; ${pin ? 'server on core 0, load on core 1' : 'unpinned'}`,
  )
  const tables = []
  let failed = false
  for (const kase of opts.cases) {
    const results = new Map(opts.servers.map((s) => [s, { runs: [], failed: null }]))
    for (let round = 0; round < opts.rounds; round++) {
      const order = opts.servers.map((_, i) => opts.servers[(i + round) % opts.servers.length])
      for (const name of order) {
        const r = results.get(name)
        if (r.failed) continue
        const label = `${kase} round ${round + 1}/${opts.rounds} ${name.padEnd(8)}`
        try {
          const m = kase === 'echo' ? await echo(name) : await broadcast(name)
          r.runs.push(m)
          const what =
            kase === 'echo'
              ? `${fmtInt(m.rps).padStart(8)} round trips/s  ${fmt(m.cpuUs).padStart(6)} µs CPU/round trip`
              : `median ${fmt(m.median, 2)} ms  p95 ${fmt(m.p95, 2)} ms  ${fmt(m.cpuMs, 2)} ms CPU/broadcast`
          console.log(`${label} ${what}  busy ${pct(m.busy.server)} / ${pct(m.busy.load)}${m.notes.length ? `  ${m.notes.join('; ')}` : ''}`)
        } catch (err) {
          r.failed = err.message
          failed = true
          console.log(`${label} FAILED: ${err.message}`)
        }
      }
    }
    tables.push(kase === 'echo' ? echoTable(results) : broadcastTable(results))
  }
  const head = header('weir WebSocket benchmark', started, loadBefore, [
    `- echo: ${opts.connections} connections, each sending a 32-byte text and awaiting its echo, ${opts.duration} s after a ${opts.warmup} s warm-up`,
    `- broadcast: ${opts.clients} members + 1 control socket on /room; the control sends "go:<n>", the load process times until every member has the 64-byte message; ${opts.broadcastWarmup} warm-up + ${opts.broadcasts} timed per round`,
    `- ${opts.rounds} round(s), a fresh server per run, order rotated per round; broadcast median and p95 pooled over rounds`,
    '- "core busy" is the share of its core the server and the load generator used while measuring: a load near 100 % means the load generator, not the server, set the pace (read the CPU columns then)',
    '- "CPU vs raw ws" is raw\'s server CPU per unit over the row\'s (throughput-equivalent); "time vs raw ws" is the row\'s median over raw\'s (lower is better)',
    `- weir: its defaults (heartbeat 30 s, maxPayload 1 MiB, maxConnections 10,000, slow-client policy) but maxConnectionsPerIp raised to 10,000 (all clients share 127.0.0.1); the others: maxPayload 1 MiB, no heartbeat, no limits`,
    `- peers: ${PEERS.map((p) => `${p} ${version(p)}`).join(', ')}`,
  ])
  emit(`${head}\n${tables.join('\n\n')}`)
  if (failed) process.exitCode = 1
}

// ---------------------------------------------------------------------------------------------
// --idle: weir with idle sockets and a short heartbeat, its memory sampled after a forced GC

/** Least-squares slope of ys over xs. */
function slope(xs, ys) {
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length
  const my = ys.reduce((a, b) => a + b, 0) / ys.length
  let num = 0
  let den = 0
  for (let i = 0; i < xs.length; i++) {
    num += (xs[i] - mx) * (ys[i] - my)
    den += (xs[i] - mx) ** 2
  }
  return den ? num / den : Number.NaN
}

async function idle() {
  const started = new Date()
  const loadBefore = loadavg()[0]
  const { clients, heartbeat, idleDuration, sample } = opts
  console.log(`bench/ws --idle: weir, ${clients} idle sockets, heartbeat ${heartbeat} ms, ${idleDuration} s, a sample every ${sample} s`)
  const server = await startServer('weir', { gc: true, heartbeat })
  const load = startLoad({ mode: 'idle', url: server.url('/echo'), clients })
  const samples = []
  let stats
  try {
    await next(load, 'connected', 120_000)
    const t0 = performance.now()
    for (let k = 0; ; k++) {
      const wait = t0 + k * sample * 1000 - performance.now()
      if (wait > 0) await sleep(wait)
      const m = await ask(server.c, 'memory')
      if (!m.gc) throw new Error('the server has no gc(): --expose-gc did not reach it')
      const s = { t: (performance.now() - t0) / 1000, rss: m.rss, heapUsed: m.heapUsed, clients: m.clients }
      samples.push(s)
      console.log(`t=${fmt(s.t).padStart(6)} s  rss ${fmt(s.rss / 2 ** 20, 2)} MiB  heapUsed ${fmt(s.heapUsed / 2 ** 20, 2)} MiB  open sockets ${s.clients}`)
      if (k * sample >= idleDuration) break
    }
    stats = await ask(load, 'stats', 'stats')
    if (dead(server.c)) throw new Error(`server died: ${tail(server.c)}`)
  } finally {
    await stopLoad(load)
    await stopChild(server.c)
  }
  const first = samples[0]
  const last = samples.at(-1)
  const ts = samples.map((s) => s.t / 60)
  const perMin = (key) => slope(ts, samples.map((s) => s[key])) / 1024
  const expected = clients * Math.floor(idleDuration / (heartbeat / 1000))
  const row = (name, s) => `| ${name} | ${fmt(s.t)} | ${fmt(s.rss / 2 ** 20, 2)} | ${fmt(s.heapUsed / 2 ** 20, 2)} | ${s.clients} |`
  const text = [
    header('weir WebSocket idle run', started, loadBefore, [
      `- ${clients} idle sockets on /echo, weir's defaults with heartbeat ${heartbeat} ms (maxConnectionsPerIp 10,000), ${idleDuration} s; server run with --expose-gc, gc() before each sample`,
    ]),
    '| sample | t s | RSS MiB | heapUsed MiB | open sockets (server) |',
    '|---|---:|---:|---:|---:|',
    row('first', first),
    row('last', last),
    '',
    `Slope over ${samples.length} samples (least squares): RSS ${fmt(perMin('rss'))} KiB/min, heapUsed ${fmt(perMin('heapUsed'))} KiB/min. ` +
      `Pings the clients answered: ${fmtInt(stats.pings)} (≈ ${fmtInt(expected)} expected); sockets open at the end: ${stats.open} of ${clients} (${stats.closed} closed).`,
  ].join('\n')
  emit(text)
  if (stats.open !== clients || last.clients !== clients || stats.pings < expected * 0.8) process.exitCode = 1
}

try {
  await (o.idle ? idle() : sideBySide())
} finally {
  killAll()
}
