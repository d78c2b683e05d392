// express 5, bare or with express-session on connect-redis (ioredis): GET / reads the counter and stores
// counter + 1. resave, saveUninitialized and rolling off, so an unchanged session is not saved and the cookie
// is sent only when the session is new — the work weir's session() does.
import { RedisStore } from 'connect-redis'
import express from 'express'
import session from 'express-session'
import { Redis } from 'ioredis'
import { countCpu } from '../lib.mjs'
import { KEY, ready, redisEnv, serverArgs } from './common.mjs'

const { variant, port } = serverArgs('express', ['bare', 'redis'])
const app = express()
app.disable('etag')
app.disable('x-powered-by')

if (variant === 'bare') {
  app.get('/seed', (_req, res) => res.json({ count: 0 }))
  app.get('/', (_req, res) => res.json({ count: 0 }))
} else {
  const { url, prefix } = redisEnv()
  app.use(
    session({
      secret: KEY,
      name: 'sid',
      store: new RedisStore({ client: new Redis(url), prefix }),
      resave: false,
      saveUninitialized: false,
      rolling: false,
      cookie: { secure: false, httpOnly: true, sameSite: 'lax', path: '/' },
    }),
  )
  app.get('/seed', (req, res) => {
    req.session.count = 0
    res.json({ count: 0 })
  })
  app.get('/', (req, res) => {
    const count = (req.session.count ?? 0) + 1
    req.session.count = count
    res.json({ count })
  })
}

const server = app.listen(port, '127.0.0.1', () => {
  countCpu(server)
  ready()
})
