// ETag bench: the cost of etag() (and fresh() + etag()) on a 1 KB JSON answer, against weir without them.
// The target is ≤ 10% more server CPU per request (steadier than req/s on a shared machine; req/s is
// shown too). Also prints the hash alone per 1 KB (crypto.hash vs createHash vs FNV-1a in JavaScript),
// which is what chose the default.
//
//   node bench/etag.mjs [--duration 5] [--connections 50] [--rounds 3]
//   node bench/etag.mjs --duration 2 --rounds 1      # smoke: checks the harness, not a result
import * as crypto from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { AUTOCANNON, ask, countCpu, freePort, run, startChild, untilReady } from './lib.mjs'

// `noop` is one pass-through middleware: the share of the cost that is the middleware layer itself.
const VARIANTS = ['plain', 'noop', 'etag', 'fresh+etag']

/** About 1 KB of JSON. */
function payload() {
  const items = []
  for (let i = 0; JSON.stringify(items).length < 1000; i++) items.push({ id: i, name: `user-${i}`, email: `user${i}@example.com` })
  return items
}

async function serve(variant, port) {
  const { createApp } = await import('../src/index.ts')
  const { etag } = await import('../src/middleware/etag/index.ts')
  const { fresh } = await import('../src/middleware/fresh/index.ts')
  const data = payload()
  const app = createApp({ mode: 'release' })
  if (variant === 'noop') app.use(async (_c, next) => await next())
  // A constant tag set the same way: the cost of one more response header, without any hashing.
  if (variant === 'header') {
    app.use((c, next) => {
      next()
      c.res.headers.etag = '"constant"'
    })
  }
  if (variant === 'fresh+etag') app.use(fresh())
  if (variant === 'etag' || variant === 'fresh+etag') app.use(etag())
  app.get('/', () => data)
  countCpu(await app.listen({ port, host: '127.0.0.1' }))
  console.log('ready')
}

async function start(variant) {
  const port = await freePort()
  const env = { ...process.env, NODE_ENV: 'production', WEIR_MODE: 'release' }
  const args = ['--import', 'tsx', fileURLToPath(import.meta.url), '--serve', variant, '--port', String(port)]
  const child = startChild(process.execPath, args, { env, ipc: true, stderr: 'inherit' })
  await untilReady(child).catch((err) => {
    throw new Error(`${variant} ${err.message}`)
  })
  return { child, port }
}

async function load(port, seconds, connections) {
  const args = [AUTOCANNON, '-c', String(connections), '-d', String(seconds), '-j', `http://127.0.0.1:${port}/`]
  const j = JSON.parse((await run(process.execPath, args)).out)
  return { rps: j.requests.average, p99: j.latency.p99 }
}

function hashes() {
  const body = Buffer.from(JSON.stringify(payload()))
  const fnv = (b) => {
    let h = 0x811c9dc5
    for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i], 0x01000193)
    return (h >>> 0).toString(36)
  }
  const fns = {
    'crypto.hash sha1': (b) => crypto.hash('sha1', b, 'base64url'),
    'createHash sha1': (b) => crypto.createHash('sha1').update(b).digest('base64url'),
    'FNV-1a (JS, 32 bit)': fnv,
  }
  for (const [name, fn] of Object.entries(fns)) {
    if (name.startsWith('crypto.hash') && typeof crypto.hash !== 'function') continue
    for (let i = 0; i < 20_000; i++) fn(body)
    const n = 200_000
    const t = process.hrtime.bigint()
    for (let i = 0; i < n; i++) fn(body)
    console.log(`- ${name}: ${(Number(process.hrtime.bigint() - t) / n / 1000).toFixed(2)} µs per ${body.length} B`)
  }
}

async function main() {
  const { values } = parseArgs({
    options: {
      serve: { type: 'string' },
      port: { type: 'string' },
      duration: { type: 'string', default: '5' },
      connections: { type: 'string', default: '50' },
      rounds: { type: 'string', default: '3' },
    },
  })
  if (values.serve) return serve(values.serve, Number(values.port))
  console.log(`etag bench: 1 KB JSON, ${values.rounds} × ${values.duration} s per variant (the round with the least CPU per request), ${values.connections} connections, Node ${process.version}`)
  hashes()
  const best = {}
  for (let r = 0; r < Number(values.rounds); r++) {
    // Interleaved rounds, so a noisy moment hurts every variant alike.
    for (const variant of VARIANTS) {
      const { child, port } = await start(variant)
      try {
        await load(port, 1, Number(values.connections))
        child.send('reset')
        const res = await load(port, Number(values.duration), Number(values.connections))
        const { n, cpu } = await ask(child, 'report')
        res.cpu = cpu / n
        if (!best[variant] || res.cpu < best[variant].cpu) best[variant] = res
      } finally {
        child.kill()
      }
    }
  }
  console.log('| variant | server CPU µs/request | vs plain | req/s | p99 ms |')
  console.log('|---|---:|---:|---:|---:|')
  for (const variant of VARIANTS) {
    const { rps, p99, cpu } = best[variant]
    const delta = variant === 'plain' ? '' : `${((cpu / best.plain.cpu - 1) * 100).toFixed(1)}%`
    console.log(`| ${variant} | ${cpu.toFixed(1)} | ${delta} | ${Math.round(rps)} | ${p99} |`)
  }
}

await main()
