// Shared by the body bench servers and bench/body.mjs: the bodies, the answer, GC accounting, the CLI contract
// `node bench/servers-body/<name>.mjs <port> [variant]`.
import { PerformanceObserver } from 'node:perf_hooks'

/** Body sizes measured, by label. */
export const SIZES = { '1k': 1024, '64k': 64 * 1024, '1m': 1000 * 1000 }

/** A JSON document of about `size` bytes: `{ items: [...] }`, the shape of a typical API payload. */
export function makeBody(size) {
  const items = []
  let text = '{"items":[]}'
  for (let i = 0; text.length < size; i++) {
    items.push({ id: i, name: `user number ${i}`, email: `user${i}@example.com`, tags: ['a', 'b'], active: i % 2 === 0, score: i * 1.5 })
    text = JSON.stringify({ items })
  }
  return text
}

/** What every server answers for a body: the number of items it parsed. */
export function answer(parsed) {
  return { ok: true, n: parsed.items.length }
}

/** Reads `<port> [variant]`. */
export function serverArgs(name) {
  const [portArg, variant] = process.argv.slice(2)
  const port = Number(portArg)
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    console.error(`usage: node bench/servers-body/${name}.mjs <port> [variant]`)
    process.exit(2)
  }
  return { port, variant }
}

/** Counts GC pauses in this process; `snapshot()` is served at `GET /__gc` by every server. */
export function gcMeter() {
  let ms = 0
  let count = 0
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      ms += e.duration
      count++
    }
  })
  obs.observe({ entryTypes: ['gc'] })
  return () => JSON.stringify({ ms, count, rss: process.memoryUsage().rss })
}

export function ready() {
  console.log('ready')
}
