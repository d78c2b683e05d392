// Compression bench: a 100 KB JSON answer compressed with gzip and br by weir's compress(),
// @fastify/compress and hono's compress() (gzip only: it has no br), each server in its own process.
// Reports requests/s, p99 latency and the compression ratio (100 KB / compressed body); `weir-adaptive`
// is weir with `adaptive: true`, whose ratio under load shows the busy levels at work.
//
//   node bench/compress.mjs [--duration 5] [--connections 20] [--only weir,fastify,hono,weir-adaptive]
//   node bench/compress.mjs --duration 2            # smoke: checks the harness, not a result
//   BENCH_KB=16 node bench/compress.mjs             # another body size
import { request } from 'node:http'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { AUTOCANNON, freePort, run, startChild, untilReady } from './lib.mjs'

const ENCODINGS = ['gzip', 'br']
const SERVERS = ['weir', 'weir-adaptive', 'fastify', 'hono']

/** About `kb` KB (default 100) of JSON shaped like an API list answer; the same bytes in every server. */
export function payload(kb = Number(process.env.BENCH_KB ?? 100)) {
  const items = []
  for (let i = 0; JSON.stringify(items).length < kb * 1024; i++) {
    items.push({
      id: i,
      name: `user-${i}`,
      email: `user${i}@example.com`,
      active: i % 3 === 0,
      score: Math.round(Math.sin(i) * 1000) / 10,
      tags: ['alpha', 'beta', 'gamma'].slice(0, i % 4),
      created: new Date(1_700_000_000_000 + i * 3_600_000).toISOString(),
    })
  }
  return items
}

async function serve(name, port) {
  const data = payload()
  if (name.startsWith('weir')) {
    const { createApp } = await import('../src/index.ts')
    const { compress } = await import('../src/middleware/compress/index.ts')
    const app = createApp({ mode: 'release' })
    app.use(compress({ adaptive: name === 'weir-adaptive' }))
    app.get('/', () => data)
    await app.listen({ port, host: '127.0.0.1' })
  } else if (name === 'fastify') {
    const { default: Fastify } = await import('fastify')
    const { default: compress } = await import('@fastify/compress')
    const app = Fastify({ logger: false })
    await app.register(compress, { global: true, threshold: 1024, encodings: ['br', 'gzip'] })
    app.get('/', () => data)
    await app.listen({ port, host: '127.0.0.1' })
  } else if (name === 'hono') {
    const { Hono } = await import('hono')
    const { compress } = await import('hono/compress')
    const { serve: listen } = await import('@hono/node-server')
    const app = new Hono()
    app.use(compress())
    app.get('/', (c) => c.json(data))
    await new Promise((resolve) => listen({ fetch: app.fetch, port, hostname: '127.0.0.1' }, resolve))
  } else throw new Error(`unknown server ${name}`)
  console.log('ready')
}

async function start(name) {
  const port = await freePort()
  const env = { ...process.env, NODE_ENV: 'production', WEIR_MODE: 'release' }
  const child = startChild(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--serve', name, '--port', String(port)], { env, stderr: 'inherit' })
  await untilReady(child).catch((err) => {
    throw new Error(`${name} ${err.message}`)
  })
  return { child, port }
}

/** The body of one answer, as sent (not decoded): its length and encoding. */
function probe(port, encoding) {
  return new Promise((resolve, reject) => {
    const req = request({ port, host: '127.0.0.1', path: '/', headers: { 'accept-encoding': encoding } }, (res) => {
      let bytes = 0
      res.on('data', (d) => {
        bytes += d.length
      })
      res.on('end', () => resolve({ bytes, coding: res.headers['content-encoding'] ?? 'identity' }))
    })
    req.on('error', reject)
    req.end()
  })
}

async function load(port, encoding, seconds, connections) {
  const args = [AUTOCANNON, '-c', String(connections), '-d', String(seconds), '-j', '-H', `accept-encoding=${encoding}`, `http://127.0.0.1:${port}/`]
  const j = JSON.parse((await run(process.execPath, args)).out)
  return { rps: j.requests.average, p99: j.latency.p99, perResponse: j.throughput.total / Math.max(1, j.requests.total), non2xx: j.non2xx ?? 0 }
}

async function main() {
  const { values } = parseArgs({
    options: {
      serve: { type: 'string' },
      port: { type: 'string' },
      duration: { type: 'string', default: '5' },
      connections: { type: 'string', default: '20' },
      only: { type: 'string', default: SERVERS.join(',') },
    },
  })
  if (values.serve) return serve(values.serve, Number(values.port))
  const raw = Buffer.byteLength(JSON.stringify(payload()))
  console.log(`compress bench: ${raw} bytes of JSON, ${values.duration} s per run, ${values.connections} connections, Node ${process.version}`)
  console.log('| server | coding | req/s | p99 ms | ratio (idle) | ratio under load |')
  console.log('|---|---|---:|---:|---:|---:|')
  for (const name of values.only.split(',')) {
    const { child, port } = await start(name)
    try {
      for (const encoding of ENCODINGS) {
        const idle = await probe(port, encoding)
        if (idle.coding !== encoding) {
          console.log(`| ${name} | ${encoding} | n/a (answers ${idle.coding}) | | | |`)
          continue
        }
        await load(port, encoding, 1, Number(values.connections)) // warm-up, discarded
        const r = await load(port, encoding, Number(values.duration), Number(values.connections))
        // Under load the average includes ~200 bytes of headers per answer.
        console.log(`| ${name} | ${encoding} | ${Math.round(r.rps)} | ${r.p99} | ${(raw / idle.bytes).toFixed(2)} | ${(raw / r.perResponse).toFixed(2)} |`)
      }
    } finally {
      child.kill()
    }
  }
}

await main()
