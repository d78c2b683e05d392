// koa has no router of its own; @koa/router is how a koa application routes, so every case uses it.
import Router from '@koa/router'
import Koa from 'koa'
import { HELLO, MIDDLEWARES, ready, serverArgs } from './common.mjs'
import { ROUTES, USER_ROUTE } from './routes.mjs'

const { kase, port } = serverArgs('koa')
const app = new Koa()
const router = new Router()

if (kase === 'c') {
  for (let i = 0; i < MIDDLEWARES; i++) {
    app.use(async (_ctx, next) => {
      await next()
    })
  }
}

if (kase === 'b') {
  for (const r of ROUTES) {
    if (r.path === USER_ROUTE) {
      router[r.lower](r.path, (ctx) => {
        ctx.body = { id: ctx.params.id }
      })
    } else {
      router[r.lower](r.path, (ctx) => {
        ctx.body = r.body
      })
    }
  }
} else {
  router.get('/', (ctx) => {
    ctx.body = HELLO
  })
}

app.use(router.routes())
app.listen(port, '127.0.0.1', ready)
