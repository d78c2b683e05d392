// weir from src/ (run with `node --import tsx`): websocket() routes with weir's defaults (heartbeat 30 s,
// 1 MiB maxPayload, connection limits), except maxConnectionsPerIp: every bench client comes from 127.0.0.1.
// BENCH_WS_HEARTBEAT (ms) sets the heartbeat of both routes (the --idle run).
import { broadcastMessage, goNumber, ready, serverPort } from './common.mjs'

const port = serverPort('weir')
const { createApp } = await import('../../src/index.ts')
const { websocket } = await import('../../src/middleware/ws/index.ts')
const app = createApp({ mode: 'release' })
const options = { maxConnectionsPerIp: 10_000 }
if (process.env.BENCH_WS_HEARTBEAT) options.heartbeat = Number(process.env.BENCH_WS_HEARTBEAT)

// BENCH_WS_TEXT=buffer (weir-buffer.mjs): text arrives as the bytes received and is sent back as text.
const bytes = process.env.BENCH_WS_TEXT === 'buffer'
const echo = bytes
  ? websocket({ message: (ws, data, isBinary) => ws.send(data, { binary: isBinary }) }, { ...options, text: 'buffer' })
  : websocket({ message: (ws, data) => ws.send(data) }, options)

const room = websocket(
  {
    open(ws) {
      ws.join('all')
    },
    message(_ws, data) {
      const n = typeof data === 'string' ? goNumber(data) : null
      if (n !== null) room.broadcast('all', broadcastMessage(n))
    },
  },
  options,
)

app.get('/echo', echo)
app.get('/room', room)
await app.listen({ port, host: '127.0.0.1' })
ready(() => echo.clients.size + room.clients.size)
