import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { HELLO, MIDDLEWARES, ready, serverArgs } from './common.mjs'
import { ROUTES, USER_ROUTE } from './routes.mjs'

const { kase, port } = serverArgs('hono')
const app = new Hono()

if (kase === 'c') {
  for (let i = 0; i < MIDDLEWARES; i++) {
    app.use(async (_c, next) => {
      await next()
    })
  }
}

if (kase === 'b') {
  for (const r of ROUTES) {
    if (r.path === USER_ROUTE) app[r.lower](r.path, (c) => c.json({ id: c.req.param('id') }))
    else app[r.lower](r.path, (c) => c.json(r.body))
  }
} else {
  app.get('/', (c) => c.json(HELLO))
}

serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, ready)
