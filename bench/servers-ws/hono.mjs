// hono on @hono/node-server 2, its built-in upgradeWebSocket over a ws WebSocketServer({ noServer: true });
// the room is a Set of hono's WSContext.
import { serve, upgradeWebSocket } from '@hono/node-server'
import { Hono } from 'hono'
import { WebSocketServer } from 'ws'
import { broadcastMessage, goNumber, MAX_PAYLOAD, ready, serverPort } from './common.mjs'

const port = serverPort('hono')
const app = new Hono()
const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_PAYLOAD })
const room = new Set()

app.get(
  '/echo',
  upgradeWebSocket(() => ({
    onMessage: (event, ws) => ws.send(event.data),
  })),
)

app.get(
  '/room',
  upgradeWebSocket(() => ({
    onOpen: (_event, ws) => room.add(ws),
    onClose: (_event, ws) => room.delete(ws),
    onMessage: (event) => {
      const n = typeof event.data === 'string' ? goNumber(event.data) : null
      if (n === null) return
      const message = broadcastMessage(n)
      for (const member of room) member.send(message)
    },
  })),
)

serve({ fetch: app.fetch, port, hostname: '127.0.0.1', websocket: { server: wss } }, () => ready(() => wss.clients.size))
