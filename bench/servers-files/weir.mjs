// weir from dist/: serveStatic for the file case, c.json for the JSON case.
import { createApp } from '../../dist/index.js'
import { serveStatic } from '../../dist/middleware/serve-static/index.js'
import { DATA, ready, serverArgs } from './common.mjs'

const { port, dir } = serverArgs('weir')
const app = createApp({ mode: 'release' })
app.use(serveStatic(dir, { prefix: '/static' }))
app.get('/json', (c) => c.json(DATA))
await app.listen({ port, host: '127.0.0.1' })
ready()
