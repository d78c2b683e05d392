// ws alone: one WebSocketServer on a node:http server, routed by path in 'connection'; the room is a Set.
import { createServer } from 'node:http'
import { WebSocketServer } from 'ws'
import { broadcastMessage, goNumber, MAX_PAYLOAD, ready, serverPort } from './common.mjs'

const port = serverPort('raw')
const server = createServer()
const wss = new WebSocketServer({ server, maxPayload: MAX_PAYLOAD })
const room = new Set()

wss.on('connection', (ws, req) => {
  if (req.url === '/echo') {
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }))
  } else if (req.url === '/room') {
    room.add(ws)
    ws.on('close', () => room.delete(ws))
    ws.on('message', (data, isBinary) => {
      const n = isBinary ? null : goNumber(data.toString())
      if (n === null) return
      const message = broadcastMessage(n)
      for (const member of room) member.send(message)
    })
  } else {
    ws.close(1008, 'unknown path')
  }
})

server.listen(port, '127.0.0.1', () => ready(() => wss.clients.size))
