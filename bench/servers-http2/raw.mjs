// Node's own HTTP/2 compatibility API, no framework, for bench/instructions.mjs's http2 group (the floor the
// frameworks build on): `node raw.mjs h2 <port> <certDir>`; prints `ready`. Serves hello only.
import { readFileSync } from 'node:fs'
import { createSecureServer } from 'node:http2'
import { join } from 'node:path'

const [, port, certDir] = process.argv.slice(2)
const options = { key: readFileSync(join(certDir, 'key.pem')), cert: readFileSync(join(certDir, 'cert.pem')), allowHTTP1: true }
const server = createSecureServer(options, (_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': '13' })
  res.end('Hello, World!')
})
server.listen(Number(port), '127.0.0.1', () => console.log('ready'))
