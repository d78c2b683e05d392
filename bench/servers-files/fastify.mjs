// fastify with @fastify/static (its `send`-based file serving), logger off.
import fastifyStatic from '@fastify/static'
import Fastify from 'fastify'
import { DATA, ready, serverArgs } from './common.mjs'

const { port, dir } = serverArgs('fastify')
const app = Fastify({ logger: false })
await app.register(fastifyStatic, { root: dir, prefix: '/static/' })
app.get('/json', async () => DATA)
await app.listen({ port, host: '127.0.0.1' })
ready()
