// The idiomatic app of ./app.ts as a real process (`node --import tsx test/hostile/server.ts`), started by
// faults.test.ts and scripts/soak.mjs: pino access log to LOG_FILE (default /dev/null), process safety on.
// Env: LOG_FILE; SAFETY=off listens without `safety` (the control case: Node's default kills the process).
// Prints `listening <port>` once bound and `event <category> <message>` per error event. With an IPC
// channel, answers `'rss'` with `{ rss, heapUsed, cpu }` (after a full GC when started with --expose-gc; cpu in µs).
import { createLogger } from '../../src/middleware/logger/index.js'
import { buildApp, makeSite } from './app.js'

const site = makeSite()
const log = createLogger({ mode: 'release', level: 'info', destination: process.env.LOG_FILE ?? '/dev/null', base: null })
const { app } = buildApp(site.root, { logger: log })
app.onEvent('error', (err, _c, category) => {
  if (category === 'process') console.log(`event ${category} ${err.message}`)
})
app.onEvent('close', () => site.cleanup())
process.on('message', (m) => {
  if (m !== 'rss') return
  ;(globalThis as { gc?: () => void }).gc?.()
  const { rss, heapUsed } = process.memoryUsage()
  const { user, system } = process.cpuUsage()
  process.send?.({ rss, heapUsed, cpu: user + system })
})
// The parent (the soak) went away without stopping us: close gracefully rather than linger.
process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'))
process.on('exit', () => site.cleanup())

await app.listen({ port: 0, signals: ['SIGTERM', 'SIGINT'], safety: process.env.SAFETY !== 'off' })
console.log(`listening ${app.port}`)
