/**
 * Starts the demo app on 127.0.0.1:3000 (`PORT` changes the port; `PORT=0` picks a free one). SIGINT/SIGTERM close it gracefully;
 * process safety keeps it serving through a stray unhandled rejection (logged and reported).
 */
import { buildDemo } from './app.js'

const app = buildDemo()
// No `port`: listen() takes PORT from the environment (0 picks a free one; a bad value throws), else 3000.
await app.listen({ host: '127.0.0.1', signals: ['SIGINT', 'SIGTERM'], safety: true, closeTimeout: 10_000 })
console.log(`weir demo listening on http://127.0.0.1:${app.port} (mode: ${app.mode})`)
if (app.mode === 'debug') console.log(`request inspector: http://127.0.0.1:${app.port}/_weir`)
