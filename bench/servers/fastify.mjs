import Fastify from 'fastify'
import { HELLO, MIDDLEWARES, ready, serverArgs } from './common.mjs'
import { ROUTES, USER_ROUTE } from './routes.mjs'

const { kase, port } = serverArgs('fastify')
const app = Fastify({ logger: false })

if (kase === 'c') {
  // Callback-style onRequest hooks: fastify's cheapest idiomatic pass-through.
  for (let i = 0; i < MIDDLEWARES; i++) app.addHook('onRequest', (_req, _reply, done) => done())
}

if (kase === 'b') {
  for (const r of ROUTES) {
    if (r.path === USER_ROUTE) app[r.lower](r.path, async (req) => ({ id: req.params.id }))
    else app[r.lower](r.path, async () => r.body)
  }
} else {
  app.get('/', async () => HELLO)
}

await app.listen({ port, host: '127.0.0.1' })
ready()
