// express 5, `etag` and `x-powered-by` off (as in fastify/benchmarks); res.json / res.send.
import express from 'express'
import { HELLO, escapeHtml, fortunesPage, openDatabase, port, queryCount, ready } from './common.mjs'

const db = openDatabase()
const cached = await db.openCache()
const app = express()
app.disable('etag')
app.disable('x-powered-by')

app.use((_req, res, next) => {
  res.setHeader('server', 'express')
  next()
})

app.get('/json', (_req, res) => res.json({ message: HELLO }))
app.get('/plaintext', (_req, res) => res.type('text/plain').send(HELLO))
app.get('/db', async (_req, res) => res.json(await db.world()))
app.get('/queries', async (req, res) => res.json(await db.worlds(queryCount(req.query.queries))))
app.get('/updates', async (req, res) => res.json(await db.update(queryCount(req.query.queries))))
app.get('/fortunes', async (_req, res) => res.type('html').send(fortunesPage(await db.fortunes(), escapeHtml)))
app.get('/cached-queries', (req, res) => res.json(cached(queryCount(req.query.count))))

const server = app.listen(port(), '127.0.0.1', (err) => {
  if (err) throw err
  ready(server.address().port)
})
