// Streaming (seed 1) and capture (seed 3) budgets, measured on dist/:
//  (1) 512 MB from an endless source through lines() + a filter to a client reading ~20 MB/s: the server's
//      peak RSS must stay within 32 MB of idle; once the client aborts, the source must stop within 100 ms.
//  (2) capture() on vs off for a 1 KB JSON response: throughput on ≥ 0.9× off.
//   node bench/stream.mjs                 full run (512 MB ≈ 26 s; capture 3 rounds × 5 s)
//   node bench/stream.mjs --smoke         64 MB, 1 round × 2 s: checks the harness, not a result
//   flags: --mb N --rate MBps --rounds N --duration S --connections N --only memory,capture --no-pin --no-build
import { mkdirSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { cpus } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ROOT, buildWeir, flags, fmt, median, startServer, stopServer, wrk } from './servers-files/harness.mjs'

const SELF = fileURLToPath(import.meta.url)

// ---------------------------------------------------------------------------------------------
// Server mode: `node bench/stream.mjs --serve <memory|capture-on|capture-off> <port>`

async function serve(kind, port) {
  const { createApp, lines } = await import('../dist/index.js')
  const app = createApp({ mode: 'release' })
  if (kind === 'memory') {
    const levels = ['INFO', 'DEBUG', 'INFO', 'WARN', 'INFO', 'ERROR', 'INFO', 'INFO']
    let block = ''
    for (let i = 0; block.length < 64 * 1024; i++) {
      block += `2025-01-01T00:00:00.${String(i % 1000).padStart(3, '0')}Z ${levels[i % 8].padEnd(5)} req=${i} GET /api/items/${i} 200 ${i % 17}ms\n`
    }
    app.get('/logs', (c) => {
      let closed = 0
      c.raw.res.once('close', () => {
        closed = performance.now()
      })
      async function* endless() {
        try {
          for (;;) yield block
        } finally {
          process.send?.({ stopMs: closed === 0 ? 0 : performance.now() - closed })
        }
      }
      return lines(endless()).filter((l) => !l.includes('DEBUG'))
    })
    setInterval(() => process.send?.({ rss: process.memoryUsage.rss() }), 50).unref()
  } else {
    if (kind === 'capture-on') app.use((await import('../dist/middleware/capture/index.js')).capture())
    const value = { items: Array.from({ length: 17 }, (_, i) => ({ id: i, name: `item number ${i}`, tags: ['a', 'b'], ok: true })) }
    app.get('/', (c) => c.json(value))
  }
  await app.listen({ port, host: '127.0.0.1' })
  console.log('ready')
}

// ---------------------------------------------------------------------------------------------
// (1) Memory and abort

/** Reads `/logs` at about `rate` MB/s until `mb` MB arrived, then aborts. */
function slowClient(port, mb, rate) {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => s.write('GET /logs HTTP/1.1\r\nHost: x\r\n\r\n'))
    const perTick = (rate * 1024 * 1024) / 100 // 10 ms ticks
    let got = 0
    let window = 0
    const t0 = performance.now()
    const tick = setInterval(() => {
      window = 0
      if (s.isPaused()) s.resume()
    }, 10)
    s.on('data', (d) => {
      got += d.length
      window += d.length
      if (window >= perTick) s.pause()
      if (got >= mb * 1024 * 1024) {
        clearInterval(tick)
        s.destroy()
        resolve({ got, seconds: (performance.now() - t0) / 1000 })
      }
    })
    s.on('error', reject)
  })
}

async function memory(o) {
  const { child, port } = await startServer(SELF, ['--serve', 'memory', '$PORT'], { ...o, ipc: true })
  try {
    let rss = 0
    let peak = 0
    const stopped = new Promise((resolve) => {
      child.on('message', (m) => {
        if (m.rss !== undefined) {
          rss = m.rss
          peak = Math.max(peak, m.rss)
        }
        if (m.stopMs !== undefined) resolve(m.stopMs)
      })
    })
    await new Promise((r) => setTimeout(r, 500))
    const idle = rss
    peak = idle
    const { got, seconds } = await slowClient(port, o.mb, o.rate)
    const stopMs = await Promise.race([stopped, new Promise((r) => setTimeout(() => r(Number.POSITIVE_INFINITY), 2000))])
    const grow = (peak - idle) / 1048576
    const rows = [
      `streamed ${fmt(got / 1048576)} MB in ${fmt(seconds, 1)} s (${fmt(got / 1048576 / seconds, 1)} MB/s client rate)`,
      `server RSS idle ${fmt(idle / 1048576, 1)} MB, peak ${fmt(peak / 1048576, 1)} MB: +${fmt(grow, 1)} MB (budget 32 MB) ${grow <= 32 ? 'PASS' : 'FAIL'}`,
      `source stopped ${fmt(stopMs, 1)} ms after the client aborted (budget 100 ms) ${stopMs <= 100 ? 'PASS' : 'FAIL'}`,
    ]
    for (const r of rows) console.log(r)
    return `### (1) ${o.mb} MB through lines() + filter to a ~${o.rate} MB/s reader\n\n${rows.map((r) => `- ${r}`).join('\n')}`
  } finally {
    await stopServer(child)
  }
}

// ---------------------------------------------------------------------------------------------
// (2) capture() on vs off

async function captureCost(o) {
  const runs = { 'capture-off': [], 'capture-on': [] }
  for (let round = 0; round < o.rounds; round++) {
    for (const kind of round % 2 ? ['capture-on', 'capture-off'] : ['capture-off', 'capture-on']) {
      const { child, port } = await startServer(SELF, ['--serve', kind, '$PORT'], o)
      try {
        const url = `http://127.0.0.1:${port}/`
        if ((await (await fetch(url)).text()).length < 900) throw new Error('the JSON case is not ~1 KB')
        wrk(url, { ...o, seconds: 1 })
        const m = wrk(url, { ...o, seconds: o.duration })
        runs[kind].push(m.rps)
        console.log(`round ${round + 1} ${kind.padEnd(11)} ${fmt(m.rps).padStart(8)} req/s  p99 ${fmt(m.p99, 2)} ms`)
      } finally {
        await stopServer(child)
      }
    }
  }
  const off = median(runs['capture-off'])
  const on = median(runs['capture-on'])
  const row = `capture on ${fmt(on)} req/s vs off ${fmt(off)} req/s: ${fmt(on / off, 3)}× (budget ≥ 0.9×) ${on / off >= 0.9 ? 'PASS' : 'FAIL'}`
  console.log(row)
  return `### (2) capture() on vs off, 1 KB JSON (wrk -c${o.connections}, ${o.rounds} round(s) × ${o.duration} s)\n\n- ${row}`
}

async function main() {
  const o = flags(process.argv.slice(2), { mb: 512, rate: 20, only: 'memory,capture' })
  if (o.smoke) Object.assign(o, { mb: Math.min(o.mb, 64), rounds: 1, duration: 2 })
  if (o.build) {
    const err = buildWeir()
    if (err) console.warn(`bench: tsc reported: ${err} (dist/ emitted anyway)`)
  }
  const label = o.smoke ? ' (SMOKE RUN: reduced sizes, not a result)' : ''
  console.log(`bench stream${label}`)
  const parts = []
  if (String(o.only).includes('memory')) parts.push(await memory(o))
  if (String(o.only).includes('capture')) parts.push(await captureCost(o))
  const report = `# weir stream bench${label}\n\n- date ${new Date().toISOString()}, node ${process.version}, ${cpus()[0]?.model ?? ''}, ${o.pin ? 'pinned' : 'unpinned'}\n\n${parts.join('\n\n')}\n`
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true })
  writeFileSync(join(ROOT, 'bench', 'results', 'stream.md'), report)
}

if (process.argv[2] === '--serve') await serve(process.argv[3], Number(process.argv[4]))
else await main()
