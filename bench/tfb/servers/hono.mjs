// hono on @hono/node-server: c.json / c.text / c.html, the middleware idiom for a header on every answer.
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { HELLO, escapeHtml, fortunesPage, openDatabase, port, queryCount, ready } from './common.mjs'

const db = openDatabase()
const cached = await db.openCache()
const app = new Hono()

app.use(async (c, next) => {
  c.header('server', 'hono')
  await next()
})

app.get('/json', (c) => c.json({ message: HELLO }))
app.get('/plaintext', (c) => c.text(HELLO))
app.get('/db', async (c) => c.json(await db.world()))
app.get('/queries', async (c) => c.json(await db.worlds(queryCount(c.req.query('queries')))))
app.get('/updates', async (c) => c.json(await db.update(queryCount(c.req.query('queries')))))
app.get('/fortunes', async (c) => c.html(fortunesPage(await db.fortunes(), escapeHtml)))
app.get('/cached-queries', (c) => c.json(cached(queryCount(c.req.query('count')))))

serve({ fetch: app.fetch, port: port(), hostname: '127.0.0.1' }, (info) => ready(info.port))
