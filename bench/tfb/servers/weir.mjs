// weir, written the way its docs recommend: createApp, routes, c.json / c.text / c.html, escapeHtml.
// Imported from dist/ (bench/tfb/run.mjs builds it first), as in bench/servers/.
import { createApp, escapeHtml } from '../../../dist/index.js'
import { HELLO, fortunesPage, openDatabase, port, queryCount, ready } from './common.mjs'

const db = openDatabase()
const cached = await db.openCache()
const app = createApp()

app.use((c, next) => {
  c.header('server', 'weir')
  return next()
})

app.get('/json', (c) => c.json({ message: HELLO }))
app.get('/plaintext', (c) => c.text(HELLO))
app.get('/db', async (c) => c.json(await db.world()))
app.get('/queries', async (c) => c.json(await db.worlds(queryCount(c.req.query.queries))))
app.get('/updates', async (c) => c.json(await db.update(queryCount(c.req.query.queries))))
app.get('/fortunes', async (c) => c.html(fortunesPage(await db.fortunes(), escapeHtml)))
app.get('/cached-queries', (c) => c.json(cached(queryCount(c.req.query.count))))

await app.listen({ port: port(), host: '127.0.0.1' })
ready(app.port)
