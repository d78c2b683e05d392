// weir for bench/http2.mjs: `node weir.mjs <h2|https1|http1> <port> <certDir> <fileDir>`; prints `ready`.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createApp } from '../../dist/index.js'
import { serveStatic } from '../../dist/middleware/serve-static/index.js'

const [mode, port, certDir, fileDir] = process.argv.slice(2)
const app = createApp({ mode: 'release', logger: { error() {}, warn() {}, info() {}, debug() {} } })
app.use(serveStatic(fileDir, { prefix: '/static' }))
app.get('/', (c) => c.text('Hello, World!'))
const tls = mode === 'http1' ? undefined : { key: readFileSync(join(certDir, 'key.pem')), cert: readFileSync(join(certDir, 'cert.pem')) }
await app.listen({ port: Number(port), tls, http2: mode === 'h2' })
console.log('ready')
