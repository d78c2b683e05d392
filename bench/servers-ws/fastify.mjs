// fastify 5 + @fastify/websocket: one route per path with { websocket: true }; the room is a Set.
import fastifyWebsocket from '@fastify/websocket'
import Fastify from 'fastify'
import { broadcastMessage, goNumber, MAX_PAYLOAD, ready, serverPort } from './common.mjs'

const port = serverPort('fastify')
const app = Fastify({ logger: false })
await app.register(fastifyWebsocket, { options: { maxPayload: MAX_PAYLOAD } })
const room = new Set()

app.get('/echo', { websocket: true }, (socket) => {
  socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }))
})

app.get('/room', { websocket: true }, (socket) => {
  room.add(socket)
  socket.on('close', () => room.delete(socket))
  socket.on('message', (data, isBinary) => {
    const n = isBinary ? null : goNumber(data.toString())
    if (n === null) return
    const message = broadcastMessage(n)
    for (const member of room) member.send(message)
  })
})

await app.listen({ port, host: '127.0.0.1' })
ready(() => app.websocketServer.clients.size)
