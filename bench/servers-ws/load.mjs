// The load generator of bench/ws.mjs: ws clients in one Node process (the runner pins it to core 1), driven
// over IPC. `node bench/servers-ws/load.mjs '<job json>'`, where job.mode is
//   echo       job.connections sockets to job.url, each sending a 32-byte text and waiting for its echo, in a
//              loop; after job.warmup s it sends {type:'measure'}, waits for 'go', counts round trips for
//              job.duration s and sends {type:'result', roundTrips, seconds, busy, wrong, closed}
//   broadcast  job.clients member sockets and one control socket to job.url; the control sends "go:<n>" and
//              the time until every member has broadcastMessage(n) is taken here. job.warmup broadcasts, then
//              {type:'measure'} / 'go', then job.count timed ones: {type:'result', times (ms), seconds, busy, wrong,
//              closed}; busy is the share of a core this process used while measuring
//   idle       job.clients sockets that only answer pings: {type:'connected'}, then {type:'stats', pings,
//              open, closed} on each 'stats'
// Every mode then waits for 'stop', cuts its sockets and exits (also when the runner goes away).
import { setTimeout as sleep } from 'node:timers/promises'
import WebSocket from 'ws'
import { broadcastMessage } from './common.mjs'

const job = JSON.parse(process.argv[2])
process.on('disconnect', () => process.exit(0))
const sockets = []
let closed = 0

/** Resolves on the next IPC message equal to `text`. */
function fromRunner(text) {
  return new Promise((resolve) => {
    const on = (m) => {
      if (m !== text) return
      process.off('message', on)
      resolve()
    }
    process.on('message', on)
  })
}

/** The share of one core this process used since cpu0 (1 = a whole core: the load may be the bottleneck). */
function busy(cpu0, seconds) {
  const u = process.cpuUsage(cpu0)
  return (u.user + u.system) / 1e6 / seconds
}

function connect(url) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false })
    ws.once('open', () => {
      ws.off('error', reject)
      ws.on('error', () => {})
      ws.on('close', () => closed++)
      sockets.push(ws)
      resolve(ws)
    })
    ws.once('error', reject)
  })
}

/** n sockets to url, at most 50 handshakes in flight (the server's listen backlog is not the subject). */
async function connectMany(url, n) {
  const out = []
  for (let i = 0; i < n; i += 50) {
    out.push(...(await Promise.all(Array.from({ length: Math.min(50, n - i) }, () => connect(url)))))
  }
  return out
}

async function echo() {
  const clients = await connectMany(job.url, job.connections)
  let count = 0
  let wrong = 0
  let running = true
  for (const [i, ws] of clients.entries()) {
    const payload = Buffer.from(`e:${i}:`.padEnd(32, '.'))
    ws.on('message', (data, isBinary) => {
      if (isBinary || !payload.equals(data)) wrong++
      count++
      if (running) ws.send(payload, { binary: false })
    })
    ws.send(payload, { binary: false })
  }
  if (job.warmup > 0) await sleep(job.warmup * 1000)
  process.send({ type: 'measure' })
  await fromRunner('go')
  const c0 = count
  const t0 = performance.now()
  const cpu0 = process.cpuUsage()
  const closed0 = closed
  await sleep(job.duration * 1000)
  const roundTrips = count - c0
  const seconds = (performance.now() - t0) / 1000
  running = false
  process.send({ type: 'result', roundTrips, seconds, busy: busy(cpu0, seconds), wrong, closed: closed - closed0 })
}

async function broadcast() {
  const members = await connectMany(job.url, job.clients)
  const control = await connect(job.url)
  let expected = Buffer.alloc(0)
  let received = 0
  let wrong = 0
  let done = () => {}
  for (const ws of members) {
    ws.on('message', (data, isBinary) => {
      if (isBinary || !expected.equals(data)) wrong++
      else if (++received === members.length) done()
    })
  }
  let n = 0
  const once = async () => {
    n++
    expected = Buffer.from(broadcastMessage(n))
    received = 0
    let timer
    const all = new Promise((resolve, reject) => {
      done = resolve
      timer = setTimeout(() => reject(new Error(`broadcast ${n}: ${received} of ${members.length} members had it after 30 s`)), 30_000)
    })
    const t0 = performance.now()
    control.send(`go:${n}`)
    await all
    const ms = performance.now() - t0
    clearTimeout(timer)
    return ms
  }
  for (let i = 0; i < job.warmup; i++) await once()
  process.send({ type: 'measure' })
  await fromRunner('go')
  const closed0 = closed
  const t0 = performance.now()
  const cpu0 = process.cpuUsage()
  const times = []
  for (let i = 0; i < job.count; i++) times.push(await once())
  const seconds = (performance.now() - t0) / 1000
  process.send({ type: 'result', times, seconds, busy: busy(cpu0, seconds), wrong, closed: closed - closed0 })
}

async function idle() {
  const clients = await connectMany(job.url, job.clients)
  let pings = 0
  for (const ws of clients) ws.on('ping', () => pings++)
  process.on('message', (m) => {
    if (m === 'stats') process.send({ type: 'stats', pings, open: clients.filter((ws) => ws.readyState === WebSocket.OPEN).length, closed })
  })
  process.send({ type: 'connected' })
}

const modes = { echo, broadcast, idle }
const stop = fromRunner('stop')
try {
  await modes[job.mode]()
} catch (err) {
  process.send({ type: 'error', message: err.message })
}
await stop
for (const ws of sockets) ws.terminate()
process.exit(0)
