// hono on @hono/node-server with http2.createSecureServer for bench/http2.mjs; prints `ready`.
import { readFileSync } from 'node:fs'
import { createSecureServer } from 'node:http2'
import { join, relative } from 'node:path'
import { serve } from '@hono/node-server'
import { serveStatic } from '@hono/node-server/serve-static'
import { Hono } from 'hono'

const [, port, certDir, fileDir] = process.argv.slice(2)
const app = new Hono()
app.use('/static/*', serveStatic({ root: relative(process.cwd(), fileDir), rewriteRequestPath: (p) => p.replace(/^\/static/, '') }))
app.get('/', (c) => c.text('Hello, World!'))
const serverOptions = { key: readFileSync(join(certDir, 'key.pem')), cert: readFileSync(join(certDir, 'cert.pem')), allowHTTP1: true }
serve({ fetch: app.fetch, port: Number(port), hostname: '127.0.0.1', createServer: createSecureServer, serverOptions }, () => console.log('ready'))
