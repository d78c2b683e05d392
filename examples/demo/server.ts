/**
 * Starts the demo app on 127.0.0.1:3000 (`PORT` changes the port; `PORT=0` picks a free one). SIGINT/SIGTERM close it gracefully;
 * process safety keeps it serving through a stray unhandled rejection (logged and reported).
 */
import { buildDemo } from './app.js'

const app = buildDemo()
const port = process.env.PORT ? Number(process.env.PORT) : 3000
if (!Number.isInteger(port) || port < 0 || port > 65535) throw new TypeError(`PORT must be a port number (0 picks a free one), got ${process.env.PORT}`)
await app.listen({ port, host: '127.0.0.1', signals: ['SIGINT', 'SIGTERM'], safety: true, closeTimeout: 10_000 })
console.log(`weir demo listening on http://127.0.0.1:${app.port} (mode: ${app.mode})`)
