// Does recycling context objects (seed 5's sync.Pool: init, handle, release) pay in V8?
// Compares weir's Context, allocated per request, with a pooled twin of the same shape that is reset
// and reused. 64 contexts stay alive at a time (requests in flight), as on a loaded server, so a
// pooled context lives long enough to be promoted to the old generation.
// Run: node --import tsx bench/context-pool.mjs
import { PerformanceObserver } from 'node:perf_hooks'
import { Context } from '../src/core/context.ts'
import { consoleLogger } from '../src/utils/console-logger.ts'

const N = Number(process.env.N) || 2_000_000
const IN_FLIGHT = 64
const ROUNDS = 5
const settings = { log: consoleLogger('silent'), mode: 'release', trustProxy: false }
const reqs = Array.from({ length: IN_FLIGHT }, (_, i) => ({
  method: 'GET',
  url: `/user/${i}?x=1`,
  headers: { host: 'localhost' },
  rawHeaders: ['Host', 'localhost'],
  socket: { remoteAddress: '127.0.0.1' },
}))
const res = { writableFinished: false, destroyed: false, once() {} }
const HELLO = { hello: 'world' }

function work(c) {
  if (c.req.path.length > 100) throw new Error('unexpected')
  c.json(HELLO)
  return c.res.status
}

function fresh() {
  const ring = new Array(IN_FLIGHT)
  let sum = 0
  for (let i = 0; i < N; i++) {
    const c = new Context(reqs[i & 63], res, settings)
    sum += work(c)
    ring[i & 63] = c
  }
  return sum
}

// The pooled twin: the same fields as Context/WeirRequest/WeirResponse, reset instead of allocated.
class PooledRequest {
  reset(raw) {
    this.raw = raw
    this.method = raw.method
    this.url = raw.url
    const q = raw.url.indexOf('?')
    this.path = q === -1 ? raw.url : raw.url.slice(0, q)
    this.query = undefined
    this.cookies = undefined
    this.abort = undefined
  }
}
class PooledResponse {
  reset() {
    this.status = 200
    this.headers = {}
    this.body = null
    this.sent = false
    this.bypass = false
  }
}
class PooledContext {
  req = new PooledRequest()
  res = new PooledResponse()
  reset(raw, rs) {
    this.raw = { req: raw, res: rs }
    this.req.reset(raw)
    this.res.reset()
    this.params = undefined
    this.route = undefined
    this.vars = undefined
  }
  json(v) {
    this.res.headers['content-type'] = 'application/json'
    this.res.body = JSON.stringify(v)
    return this
  }
}

function pooled() {
  const free = []
  const ring = new Array(IN_FLIGHT)
  let sum = 0
  for (let i = 0; i < N; i++) {
    const c = free.pop() ?? new PooledContext()
    c.reset(reqs[i & 63], res)
    sum += work(c)
    const old = ring[i & 63]
    if (old !== undefined) free.push(old)
    ring[i & 63] = c
  }
  return sum
}

let gcMs = 0
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcMs += e.duration
}).observe({ entryTypes: ['gc'] })

function measure(fn) {
  gcMs = 0
  const t = process.hrtime.bigint()
  fn()
  const ns = Number(process.hrtime.bigint() - t) / N
  return new Promise((r) => setImmediate(() => r({ ns, gc: gcMs })))
}

const results = { fresh: [], pooled: [] }
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, fn] of r % 2 ? [['pooled', pooled], ['fresh', fresh]] : [['fresh', fresh], ['pooled', pooled]]) {
    results[name].push(await measure(fn))
  }
}
const median = (xs) => xs.slice().sort((a, b) => a - b)[xs.length >> 1]
const f = { ns: median(results.fresh.map((x) => x.ns)), gc: median(results.fresh.map((x) => x.gc)) }
const p = { ns: median(results.pooled.map((x) => x.ns)), gc: median(results.pooled.map((x) => x.gc)) }
console.log(`| variant | ns per request | GC ms per ${N / 1e6} M |`)
console.log('|---|---:|---:|')
console.log(`| fresh Context | ${f.ns.toFixed(1)} | ${f.gc.toFixed(1)} |`)
console.log(`| pooled twin | ${p.ns.toFixed(1)} | ${p.gc.toFixed(1)} |`)
console.log(`pooled / fresh time: ${(p.ns / f.ns).toFixed(2)}×`)
