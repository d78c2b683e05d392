// The soak (issue 7): the idiomatic app of test/hostile/app.ts in a child process, driven at full speed by
// autocannon over keep-alive connections with every route mixed in, every answer checked (status and body).
// Passes with zero unexpected answers, zero socket errors, and RSS at the end within 20 MB of after warm-up.
//
//   node scripts/soak.mjs                          # 1 000 000 requests (50 000 of them warm-up)
//   node scripts/soak.mjs --requests 100000        # a shorter run
//   node scripts/soak.mjs --connections 32 --warmup 20000 --max-growth 20
//
// The server is `node --expose-gc --import tsx test/hostile/server.ts` (recommended() with the pino access log
// to /dev/null, bodyParser, serveStatic, safety on). RSS is read over IPC after a full GC in the child.
import { spawn } from 'node:child_process'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)))
const { values: args } = parseArgs({
  options: {
    requests: { type: 'string', default: '1000000' },
    warmup: { type: 'string', default: '50000' },
    connections: { type: 'string', default: '64' },
    'max-growth': { type: 'string', default: '20' },
  },
})
const TOTAL = Number(args.requests)
const WARMUP = Math.min(Number(args.warmup), Math.floor(TOTAL / 2))
const CONNECTIONS = Number(args.connections)
const MAX_GROWTH_MB = Number(args['max-growth'])
for (const [k, v] of [['requests', TOTAL], ['warmup', WARMUP], ['connections', CONNECTIONS], ['max-growth', MAX_GROWTH_MB]]) {
  if (!(Number.isFinite(v) && v >= 0)) throw new TypeError(`--${k} must be a non-negative number`)
}

const MB = 1024 * 1024
const ITEM = JSON.stringify({ name: 'widget', tags: ['a', 'b'], price: 9.5, nested: { ok: true } })

/** The routes, each with the answer it must give. `ok(status, body, context)` says whether it did. */
const ROUTES = [
  { name: 'GET /hello', method: 'GET', path: '/hello', ok: (s, b) => s === 200 && b === '{"hello":"world"}' },
  {
    name: 'GET /users/:id',
    method: 'GET',
    path: '/users/0',
    setup: (req, ctx) => {
      ctx.id = (ctx.id ?? 0) + 1
      return { ...req, path: `/users/u${ctx.id}` }
    },
    ok: (s, b, ctx) => s === 200 && b === `{"id":"u${ctx.id}"}`,
  },
  {
    name: 'POST /items (JSON)',
    method: 'POST',
    path: '/items',
    headers: { 'content-type': 'application/json' },
    body: ITEM,
    ok: (s, b) => s === 201 && b === '{"ok":true,"type":"object"}',
  },
  { name: 'GET /static/a.txt', method: 'GET', path: '/static/a.txt', ok: (s, b) => s === 200 && b === 'hello from a.txt\n' },
  { name: 'GET /short (stream)', method: 'GET', path: '/short', ok: (s, b) => s === 200 && b === 'line 0\nline 1\nline 2\nline 3\nline 4\n' },
  { name: 'GET /nope (404)', method: 'GET', path: '/nope', ok: (s, b) => s === 404 && b.includes('ERR_NOT_FOUND') },
]

const counts = ROUTES.map(() => ({ answers: 0, unexpected: 0 }))
const samples = []

function requests() {
  return ROUTES.map((r, i) => ({
    method: r.method,
    path: r.path,
    ...(r.headers && { headers: r.headers, body: r.body }),
    ...(r.setup && { setupRequest: r.setup }),
    onResponse: (status, body, ctx) => {
      counts[i].answers++
      if (r.ok(status, body, ctx)) return
      counts[i].unexpected++
      if (samples.length < 5) samples.push(`${r.name} → ${status} ${String(body).slice(0, 200)}`)
    },
  }))
}

/** Starts the child server; resolves with its port and a way to ask for its RSS. */
async function startServer() {
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', 'test/hostile/server.ts'], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'production', WEIR_MODE: 'release', LOG_FILE: '/dev/null' },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  })
  let out = ''
  const port = await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('the server did not start within 20 s')), 20_000)
    child.stdout.on('data', (d) => {
      out += d
      const m = /listening (\d+)/.exec(out)
      if (m) {
        clearTimeout(t)
        resolve(Number(m[1]))
      }
    })
    child.once('exit', (code) => reject(new Error(`the server exited early (${code})`)))
  })
  const memory = () =>
    new Promise((resolve) => {
      child.once('message', resolve)
      child.send('rss')
    })
  return { child, port, memory, output: () => out }
}

/** Runs `amount` requests; resolves with autocannon's result and the socket errors it saw. */
function drive(port, amount) {
  return new Promise((resolve, reject) => {
    let reqErrors = 0
    const instance = autocannon(
      { url: `http://127.0.0.1:${port}`, connections: CONNECTIONS, amount, requests: requests(), timeout: 10 },
      (err, result) => (err ? reject(err) : resolve({ result, reqErrors })),
    )
    instance.on('reqError', () => {
      reqErrors++
    })
  })
}

const perReq = (us) => (us / Math.max(1, TOTAL - WARMUP)).toFixed(0)
const mb = (n) => `${(n / MB).toFixed(1)} MB`
const fmt = (n) => n.toLocaleString('en-US')

const server = await startServer()
let failed = false
try {
  console.log(`weir soak: ${fmt(TOTAL)} requests (${fmt(WARMUP)} warm-up), ${CONNECTIONS} keep-alive connections, ${ROUTES.length} routes, server pid ${server.child.pid}`)
  const start = await server.memory()
  const t0 = performance.now()
  const warm = await drive(server.port, WARMUP)
  const atWarm = await server.memory()
  // Peak RSS while the main run goes (no GC forced: what the process really holds).
  let peak = 0
  const sampler = setInterval(async () => {
    const m = await server.memory()
    peak = Math.max(peak, m.rss)
  }, 2000)
  const cpu0 = process.cpuUsage()
  const main = await drive(server.port, TOTAL - WARMUP)
  const cpu1 = process.cpuUsage(cpu0)
  clearInterval(sampler)
  const seconds = (performance.now() - t0) / 1000
  const atEnd = await server.memory()

  const total = counts.reduce((n, c) => n + c.answers, 0)
  const unexpected = counts.reduce((n, c) => n + c.unexpected, 0)
  const errors = warm.result.errors + main.result.errors + warm.reqErrors + main.reqErrors
  const timeouts = warm.result.timeouts + main.result.timeouts
  const growth = atEnd.rss - atWarm.rss
  const rows = [
    ...ROUTES.map((r, i) => [r.name, fmt(counts[i].answers), fmt(counts[i].unexpected)]),
    ['all routes', fmt(total), fmt(unexpected)],
  ]
  console.log('\n| route | answers | unexpected |\n|---|---:|---:|')
  for (const row of rows) console.log(`| ${row.join(' | ')} |`)
  console.log('\n| measure | value |\n|---|---:|')
  const table = [
    ['requests answered', `${fmt(total)} of ${fmt(TOTAL)}`],
    ['unexpected answers (status or body)', fmt(unexpected)],
    ['socket errors / timeouts', `${fmt(errors)} / ${fmt(timeouts)}`],
    ['wall time', `${seconds.toFixed(1)} s`],
    ['throughput (main run)', `${fmt(Math.round(main.result.requests.average))} req/s`],
    ['latency p50 / p99 (main run)', `${main.result.latency.p50} / ${main.result.latency.p99} ms`],
    ['CPU per request, server / client (main run)', `${perReq(atEnd.cpu - atWarm.cpu)} / ${perReq(cpu1.user + cpu1.system)} µs`],
    ['server RSS at start', mb(start.rss)],
    [`server RSS after warm-up (${fmt(WARMUP)})`, `${mb(atWarm.rss)} (heap ${mb(atWarm.heapUsed)})`],
    ['server RSS peak during the run', mb(Math.max(peak, atEnd.rss))],
    ['server RSS at the end', `${mb(atEnd.rss)} (heap ${mb(atEnd.heapUsed)})`],
    ['RSS growth after warm-up', `${growth >= 0 ? '+' : ''}${mb(growth)} (limit ${MAX_GROWTH_MB} MB)`],
  ]
  for (const [k, v] of table) console.log(`| ${k} | ${v} |`)
  for (const s of samples) console.log(`unexpected: ${s}`)
  if (total !== TOTAL) failed = console.log(`FAIL: ${fmt(TOTAL - total)} requests got no answer`) ?? true
  if (unexpected > 0) failed = console.log(`FAIL: ${fmt(unexpected)} unexpected answers`) ?? true
  if (errors + timeouts > 0) failed = console.log(`FAIL: ${fmt(errors + timeouts)} socket errors or timeouts`) ?? true
  if (growth >= MAX_GROWTH_MB * MB) failed = console.log(`FAIL: RSS grew ${mb(growth)} after warm-up`) ?? true
  if (server.child.exitCode !== null) failed = console.log('FAIL: the server exited during the soak') ?? true
  console.log(failed ? '\nsoak FAILED' : '\nsoak passed')
} finally {
  server.child.kill('SIGTERM')
  await new Promise((r) => (server.child.exitCode === null ? server.child.once('exit', r) : r()))
}
process.exit(failed ? 1 : 0)
