// Recycling without sockets, so only the buffer strategy differs: for each request, "socket" chunks of 64 KiB
// are allocated (as Node's reads would be), then gathered and parsed the plain way (keep the chunks, one
// Buffer.concat) or the pooled way (copy into a buffer from a free list, given back after the "response").
// Prints one JSON line per variant: requests/s and GC ms per 1000 requests.
//   node bench/servers-body/recycle-loop.mjs <bytes> <milliseconds>
import { PerformanceObserver } from 'node:perf_hooks'
import { makeBody } from './common.mjs'

const [size, ms] = process.argv.slice(2).map(Number)
const body = Buffer.from(makeBody(size))
const free = Array.from({ length: 32 }, () => [])
const classOf = (n) => Math.max(10, 32 - Math.clz32(Math.max(1, n) - 1))
let gcMs = 0
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcMs += e.duration
}).observe({ entryTypes: ['gc'] })

function socketChunks() {
  const chunks = []
  for (let i = 0; i < body.length; i += 65536) {
    const c = Buffer.allocUnsafe(Math.min(65536, body.length - i))
    body.copy(c, 0, i, i + c.length)
    chunks.push(c)
  }
  return chunks
}

const variants = {
  plain(chunks) {
    const bytes = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)
    return JSON.parse(bytes.toString('utf8')).items.length
  },
  pool(chunks) {
    const cls = classOf(body.length)
    const buf = free[cls].pop() ?? Buffer.allocUnsafeSlow(2 ** cls)
    let off = 0
    for (const c of chunks) off += c.copy(buf, off)
    const n = JSON.parse(buf.toString('utf8', 0, off)).items.length
    if (free[cls].length < 64) free[cls].push(buf)
    return n
  },
}

const tick = () => new Promise((resolve) => setImmediate(resolve))

/** Runs `fn` for `duration` ms, yielding to the event loop (as a server does) so GC entries are delivered. */
async function run(fn, duration) {
  await tick()
  const gc0 = gcMs
  const end = performance.now() + duration
  let n = 0
  let busy = 0
  while (performance.now() < end) {
    const t = performance.now()
    for (let i = 0; i < 10; i++) fn(socketChunks())
    busy += performance.now() - t
    n += 10
    await tick()
  }
  await tick()
  return { rps: n / (busy / 1000), gcPer1k: ((gcMs - gc0) / n) * 1000 }
}

// Alternate short slices of each variant so drift hits both alike.
const totals = { plain: { rps: [], gc: [] }, pool: { rps: [], gc: [] } }
for (let r = 0; r < 6; r++) {
  for (const name of r % 2 ? ['pool', 'plain'] : ['plain', 'pool']) {
    const m = await run(variants[name], ms / 12)
    if (r > 0) {
      totals[name].rps.push(m.rps)
      totals[name].gc.push(m.gcPer1k)
    }
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1]
for (const [name, t] of Object.entries(totals)) console.log(JSON.stringify({ variant: name, rps: median(t.rps), gcPer1k: median(t.gc) }))
