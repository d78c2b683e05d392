import Fastify from 'fastify'
import { answer, gcMeter, ready, serverArgs } from './common.mjs'

const { port } = serverArgs('fastify')
const gc = gcMeter()
const app = Fastify({ logger: false, bodyLimit: 2 * 1024 * 1024 })
app.post('/', async (req) => answer(req.body))
app.get('/__gc', async (_req, reply) => reply.type('application/json').send(gc()))
await app.listen({ port, host: '127.0.0.1' })
ready()
