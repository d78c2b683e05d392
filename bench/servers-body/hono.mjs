import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { answer, gcMeter, ready, serverArgs } from './common.mjs'

const { port } = serverArgs('hono')
const gc = gcMeter()
const app = new Hono()
app.post('/', async (c) => c.json(answer(await c.req.json())))
app.get('/__gc', (c) => c.body(gc(), 200, { 'content-type': 'application/json' }))
serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, ready)
