// fastify, bare or with @fastify/cookie + @fastify/session on connect-redis (ioredis): GET / reads the
// counter and stores counter + 1. saveUninitialized and rolling off, so an unchanged session is not saved and
// the cookie is sent only when the session is new — the work weir's session() does.
import fastifyCookie from '@fastify/cookie'
import fastifySession from '@fastify/session'
import { RedisStore } from 'connect-redis'
import Fastify from 'fastify'
import { Redis } from 'ioredis'
import { countCpu } from '../lib.mjs'
import { KEY, ready, redisEnv, serverArgs } from './common.mjs'

const { variant, port } = serverArgs('fastify', ['bare', 'redis'])
const app = Fastify({ logger: false })

if (variant === 'bare') {
  app.get('/seed', async () => ({ count: 0 }))
  app.get('/', async () => ({ count: 0 }))
} else {
  const { url, prefix } = redisEnv()
  await app.register(fastifyCookie)
  await app.register(fastifySession, {
    secret: KEY,
    cookieName: 'sid',
    store: new RedisStore({ client: new Redis(url), prefix }),
    saveUninitialized: false,
    rolling: false,
    cookie: { secure: false, httpOnly: true, sameSite: 'lax', path: '/' },
  })
  app.get('/seed', async (req) => {
    req.session.set('count', 0)
    return { count: 0 }
  })
  app.get('/', async (req) => {
    const count = (req.session.get('count') ?? 0) + 1
    req.session.set('count', count)
    return { count }
  })
}

await app.listen({ port, host: '127.0.0.1' })
countCpu(app.server)
ready()
