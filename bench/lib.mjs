// Helpers shared by the bench scripts.
import { createServer } from 'node:net'

/** A TCP port free on 127.0.0.1 right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

/**
 * In a bench server child: counts requests and CPU time, answering the runner over IPC. `'reset'` starts
 * over (after warm-up); `'report'` replies `{ n, cpu }` (requests, CPU µs). CPU time per request is steadier
 * than req/s on a shared machine.
 */
export function countCpu(server) {
  let n = 0
  let cpu0 = process.cpuUsage()
  server.on('request', () => n++)
  process.on('message', (m) => {
    if (m === 'reset') {
      n = 0
      cpu0 = process.cpuUsage()
    } else if (m === 'report') {
      const u = process.cpuUsage(cpu0)
      process.send({ n, cpu: u.user + u.system })
    }
  })
}
