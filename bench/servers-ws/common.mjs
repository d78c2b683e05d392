// Shared by the WebSocket bench servers and bench/ws.mjs: the command line `node bench/servers-ws/<name>.mjs
// <port>`, the 64-byte broadcast message, and the IPC the runner uses to read the server's CPU and memory.
//
// Every server answers two WebSocket routes on 127.0.0.1:<port>:
//   /echo  sends every message back as it came (text stays text)
//   /room  every socket joins one room; a text message "go:<n>" sends broadcastMessage(n) to every member
//          (the sender included)

/** The largest message every server accepts: weir's default, set explicitly on the others (ws's is 100 MiB). */
export const MAX_PAYLOAD = 1 << 20

/** What the room receives for "go:<n>": 64 bytes of text starting with `b:<n>:`. */
export function broadcastMessage(n) {
  return `b:${n}:`.padEnd(64, '.')
}

/** The n of a "go:<n>" control message, or null for any other message. */
export function goNumber(text) {
  return text.startsWith('go:') ? text.slice(3) : null
}

/** Reads `<port>`; exits with a usage message when it is wrong. */
export function serverPort(name) {
  const port = Number(process.argv[2])
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    console.error(`usage: node bench/servers-ws/${name}.mjs <port>`)
    process.exit(2)
  }
  return port
}

/**
 * Answers the runner over IPC and tells it the server is bound. `'reset'` starts a CPU window; `'report'`
 * replies `{ cpu }` (CPU µs since the reset); `'memory'` replies `{ rss, heapUsed, clients }` after a full GC
 * when the process runs with `--expose-gc` (`gc: false` otherwise). `clients` counts the open sockets.
 */
export function ready(clients) {
  let cpu0 = process.cpuUsage()
  process.on('message', (m) => {
    if (m === 'reset') {
      cpu0 = process.cpuUsage()
    } else if (m === 'report') {
      const u = process.cpuUsage(cpu0)
      process.send({ cpu: u.user + u.system })
    } else if (m === 'memory') {
      if (typeof globalThis.gc === 'function') globalThis.gc()
      const { rss, heapUsed } = process.memoryUsage()
      process.send({ rss, heapUsed, clients: clients(), gc: typeof globalThis.gc === 'function' })
    }
  })
  console.log('ready')
}
