// weir from dist/: POST / parses JSON; /once and /twice both have one middleware, which in /twice reads
// the body first (as a signature check would) so the handler's read is the second one. The variant
// `nodepth` turns the JSON depth check off (`jsonDepth: Infinity`), to show what it costs.
import { createApp } from '../../dist/index.js'
import { answer, gcMeter, ready, serverArgs } from './common.mjs'

const { port, variant } = serverArgs('weir')
const gc = gcMeter()
const app = createApp({ limits: { body: 2 * 1024 * 1024, ...(variant === 'nodepth' ? { jsonDepth: Number.POSITIVE_INFINITY } : {}) } })
const pass = async (_c, next) => {
  await next()
}
const readFirst = async (c, next) => {
  await c.req.bytes()
  await next()
}
const handler = async (c) => c.json(answer(await c.req.json()))
app.post('/', handler)
app.post('/once', pass, handler)
app.post('/twice', readFirst, handler)
app.get('/__gc', (c) => c.body(gc()))
await app.listen({ port, host: '127.0.0.1' })
ready()
