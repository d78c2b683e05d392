// fastify, logger off, no response schemas (so replies go through JSON.stringify like the others).
import Fastify from 'fastify'
import { HELLO, escapeHtml, fortunesPage, openDatabase, port, queryCount, ready } from './common.mjs'

const db = openDatabase()
const cached = await db.openCache()
const app = Fastify({ logger: false })

app.addHook('onRequest', (_req, reply, done) => {
  reply.header('server', 'fastify')
  done()
})

app.get('/json', async () => ({ message: HELLO }))
app.get('/plaintext', async (_req, reply) => reply.type('text/plain').send(HELLO))
app.get('/db', async () => db.world())
app.get('/queries', async (req) => db.worlds(queryCount(req.query.queries)))
app.get('/updates', async (req) => db.update(queryCount(req.query.queries)))
app.get('/fortunes', async (_req, reply) => reply.type('text/html; charset=utf-8').send(fortunesPage(await db.fortunes(), escapeHtml)))
app.get('/cached-queries', async (req) => cached(queryCount(req.query.count)))

await app.listen({ port: port(), host: '127.0.0.1' })
ready(app.server.address().port)
