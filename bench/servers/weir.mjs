// weir, through its public API, built to dist/ by `npm run build` (bench/run.mjs builds first).
import { createApp } from '../../dist/index.js'
import { HELLO, MIDDLEWARES, ready, serverArgs } from './common.mjs'
import { ROUTES, USER_ROUTE } from './routes.mjs'

const { kase, port } = serverArgs('weir')
const app = createApp()

if (kase === 'c') {
  for (let i = 0; i < MIDDLEWARES; i++) {
    app.use(async (_c, next) => {
      await next()
    })
  }
}

if (kase === 'b') {
  for (const r of ROUTES) {
    if (r.path === USER_ROUTE) app[r.lower](r.path, (c) => c.json({ id: c.params.id }))
    else app[r.lower](r.path, (c) => c.json(r.body))
  }
} else {
  app.get('/', (c) => c.json(HELLO))
}

await app.listen({ port, host: '127.0.0.1' })
ready()
