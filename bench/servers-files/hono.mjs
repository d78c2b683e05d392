// hono on @hono/node-server with its serveStatic (root relative to the working directory).
import { relative } from 'node:path'
import { serve } from '@hono/node-server'
import { serveStatic } from '@hono/node-server/serve-static'
import { Hono } from 'hono'
import { DATA, ready, serverArgs } from './common.mjs'

const { port, dir } = serverArgs('hono')
const app = new Hono()
app.use('/static/*', serveStatic({ root: relative(process.cwd(), dir), rewriteRequestPath: (p) => p.replace(/^\/static/, '') }))
app.get('/json', (c) => c.json(DATA))
serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, ready)
