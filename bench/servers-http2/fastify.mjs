// fastify with `http2: true` over TLS (and @fastify/static) for bench/http2.mjs; prints `ready`.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import fastifyStatic from '@fastify/static'
import Fastify from 'fastify'

const [, port, certDir, fileDir] = process.argv.slice(2)
const https = { key: readFileSync(join(certDir, 'key.pem')), cert: readFileSync(join(certDir, 'cert.pem')), allowHTTP1: true }
const app = Fastify({ logger: false, http2: true, https })
await app.register(fastifyStatic, { root: fileDir, prefix: '/static/' })
app.get('/', (_req, reply) => reply.type('text/plain; charset=utf-8').send('Hello, World!'))
await app.listen({ port: Number(port), host: '127.0.0.1' })
console.log('ready')
