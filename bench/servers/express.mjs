import express from 'express'
import { HELLO, MIDDLEWARES, ready, serverArgs } from './common.mjs'
import { ROUTES, USER_ROUTE } from './routes.mjs'

const { kase, port } = serverArgs('express')
const app = express()
// As in fastify/benchmarks: no ETag hashing of every body, no X-Powered-By header.
app.disable('etag')
app.disable('x-powered-by')

if (kase === 'c') {
  for (let i = 0; i < MIDDLEWARES; i++) app.use((_req, _res, next) => next())
}

if (kase === 'b') {
  for (const r of ROUTES) {
    if (r.path === USER_ROUTE) app[r.lower](r.path, (req, res) => res.json({ id: req.params.id }))
    else app[r.lower](r.path, (_req, res) => res.json(r.body))
  }
} else {
  app.get('/', (_req, res) => res.json(HELLO))
}

app.listen(port, '127.0.0.1', (err) => {
  if (err) throw err
  ready()
})
