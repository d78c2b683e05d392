/** The demo app of the README: a few routes showing params, groups, middleware and errors. */
import { type App, HttpError, type Middleware, createApp, lines } from '../../src/index.js'
import { createCache } from '../../src/middleware/cache/index.js'
import { createLogger } from '../../src/middleware/logger/index.js'
import { rateLimit } from '../../src/middleware/rate-limit/index.js'
import { recommended } from '../../src/middleware/recommended/index.js'
import { session } from '../../src/middleware/session/index.js'
import { type Store, fileStore } from '../../src/store/index.js'
import { mountControllers } from './controllers.js'
import { redisStore } from '../../src/store/redis/index.js'

const users = new Map([
  ['1', { id: '1', name: 'Ada' }],
  ['2', { id: '2', name: 'Linus' }],
])

/** Accepts `Authorization: Bearer demo`; everything else is a 401. */
const auth: Middleware = async (c, next) => {
  if (c.req.header('authorization') !== 'Bearer demo') {
    throw new HttpError(401, 'Send "Authorization: Bearer demo"', { code: 'ERR_AUTH_REQUIRED' })
  }
  await next()
}

const LEVELS = ['INFO', 'INFO', 'INFO', 'DEBUG', 'WARN', 'INFO', 'ERROR', 'INFO'] as const
const PATHS = ['/users/42', '/api/items', '/hello', '/login', '/metrics']

/**
 * An endless, generated access log: 20 lines every 20 ms,
 * as bytes, like a pipe from another process. Deterministic, so every level shows up.
 */
export async function* generatedLog(lineCount = Number.POSITIVE_INFINITY): AsyncGenerator<Uint8Array> {
  const enc = new TextEncoder()
  for (let n = 0; n < lineCount; ) {
    let chunk = ''
    for (let i = 0; i < 20 && n < lineCount; i++, n++) {
      const level = LEVELS[(n * 7) % LEVELS.length]!
      const status = level === 'ERROR' ? 500 : level === 'WARN' ? 404 : 200
      chunk += `${new Date().toISOString()} ${level.padEnd(5)} req=${n} GET ${PATHS[n % PATHS.length]} ${status} ${(n % 17) + 1}ms\n`
    }
    yield enc.encode(chunk)
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** Options of {@link buildDemo}. */
export interface DemoOptions {
  /** Where sessions and rate-limit counts live. Default: Redis when `REDIS_URL` is set (shared by every demo process; keys under `STORE_PREFIX`, default `weir-demo:`), else files under `.weir/demo`. */
  store?: Store
}

/** The demo's shared state: Redis for many processes, files on one machine with nothing installed. */
function defaultStore(): Store {
  const url = process.env.REDIS_URL
  return url ? redisStore({ url, prefix: process.env.STORE_PREFIX ?? 'weir-demo:' }) : fileStore({ dir: '.weir/demo' })
}

// A development key; set SESSION_KEY (32+ characters) in production, the same on every process.
const DEV_KEY = 'weir-demo-development-key-do-not-use-in-production'

/** Builds the demo app (also used by its tests). */
export function buildDemo(options: DemoOptions = {}): App {
  const store = options.store ?? defaultStore()
  // pino: pretty lines in debug mode on a terminal, JSON otherwise; quiet in test mode.
  const app = createApp({ logger: createLogger() })
  // Request id → access log → recover, plus GET /metrics (see docs/middleware/recommended.md).
  app.use(...recommended({ metrics: true }))
  app.use(async (c, next) => {
    const t = performance.now()
    await next()
    c.header('x-response-time', `${(performance.now() - t).toFixed(3)}ms`)
  })
  app.use(session({ store, keys: [process.env.SESSION_KEY ?? DEV_KEY] }))
  app.get('/', () => ({
    name: 'weir demo',
    pid: process.pid,
    try: ['/hello', '/users/1', '/users/abc', 'GET /api/items (auth)', '/metrics', '/logs?match=ERROR', 'POST /login {"name":"ada"}', '/me', '/visits', '/report'],
  }))
  // Sessions: log in (a new session id against fixation), read it back on any process, log out.
  app.post('/login', async (c) => {
    const { name } = (await c.req.json()) as { name?: unknown }
    if (typeof name !== 'string' || !/^[\w.-]{1,40}$/.test(name)) c.throw(400, 'Send {"name": "<1-40 letters, digits, . _ ->"}', { code: 'ERR_DEMO_NAME' })
    const s = c.get('session')!
    await s.regenerate()
    s.set('user', name)
    return { user: name }
  })
  app.get('/me', async (c) => {
    const user = await c.get('session')!.get<string>('user')
    if (user === undefined) c.throw(401, 'Log in first: POST /login {"name": "ada"}', { code: 'ERR_AUTH_REQUIRED' })
    return { user, pid: process.pid }
  })
  app.post('/logout', async (c) => {
    await c.get('session')!.destroy()
    c.status(204)
  })
  // A counter in the session: concurrent requests lose no increment, on any store.
  app.get('/visits', async (c) => ({ visits: await c.get('session')!.update('visits', (n: number | undefined) => (n ?? 0) + 1) }))
  // A slow report computed once for everyone, whichever process is asked, and kept a minute.
  const cache = createCache({ store, prefix: 'cache:' })
  app.get('/report', () =>
    cache.wrap('report', async () => {
      await new Promise((r) => setTimeout(r, 200))
      return { run: await store.increment('report-runs'), computedBy: process.pid }
    }, { ttl: 60_000 }),
  )
  // A rate limit counted in the same store: exact across every process sharing it.
  app.get('/limited', rateLimit({ max: 5, window: 60_000, store }), () => ({ ok: true, pid: process.pid }))
  app.get('/hello', () => ({ hello: 'world' }))
  // A live log: source → lines → filter → client, with backpressure; `curl -N 'localhost:3000/logs?match=ERROR'`.
  app.get('/logs', (c) => {
    const match = c.req.query.match ?? ''
    c.header('content-type', 'text/plain; charset=utf-8')
    return lines(generatedLog(), { maxLineLength: 4096 }).filter((line) => line.includes(match))
  })
  app.get('/users/:id(\\d+)', (c) => {
    const user = users.get(c.params.id)
    if (!user) c.throw(404, `No user ${c.params.id}`, { code: 'ERR_USER_NOT_FOUND' })
    return user
  })
  const api = app.group('/api', auth)
  const items: Array<{ id: number; name: string }> = []
  api.get('/items', () => items)
  api.post('/items', async (c) => {
    const item = { id: items.length + 1, name: `item ${items.length + 1}` }
    items.push(item)
    c.status(201)
    return item
  })
  mountControllers(app) // a notes controller; GET /docs shows the API in debug mode
  return app
}
