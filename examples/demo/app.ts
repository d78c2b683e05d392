/** The demo app of the README: a few routes showing params, groups, middleware, errors and server-rendered pages. */
import { fileURLToPath } from 'node:url'
import { type App, type Context, HttpError, type Middleware, createApp, lines } from '../../src/index.js'
import { createCache } from '../../src/middleware/cache/index.js'
import { inspector } from '../../src/middleware/inspector/index.js'
import { createLogger } from '../../src/middleware/logger/index.js'
import { rateLimit } from '../../src/middleware/rate-limit/index.js'
import { recommended } from '../../src/middleware/recommended/index.js'
import { session } from '../../src/middleware/session/index.js'
import { createViews } from '../../src/middleware/views/index.js'
import { type Store, fileStore } from '../../src/store/index.js'
import { mountControllers } from './controllers.js'
import { redisStore } from '../../src/store/redis/index.js'
import { mountChat } from './chat.js'

const MAX_USERS = 100
const SEED_USERS = [
  { id: '1', name: 'Ada' },
  { id: '2', name: 'Linus' },
]

/** What the home page (and its JSON twin) suggests trying; `href` where a browser can follow it. */
const TOUR = [
  { try: '/hello', what: 'a JSON answer', href: '/hello' },
  { try: '/users', what: 'a server-rendered list with a form', href: '/users' },
  { try: '/users/1', what: 'a typed route parameter', href: '/users/1' },
  { try: '/users/abc', what: 'a parameter that does not match its pattern: 404', href: '/users/abc' },
  { try: 'GET /api/items (auth)', what: 'a group behind authentication (Authorization: Bearer demo)' },
  { try: '/metrics', what: 'Prometheus metrics', href: '/metrics' },
  { try: '/logs?match=ERROR', what: 'an endless filtered log, streamed with backpressure', href: '/logs?match=ERROR' },
  { try: 'POST /login {"name":"ada"}', what: 'log in: a session shared by every process' },
  { try: '/me', what: 'who is logged in', href: '/me' },
  { try: '/visits', what: 'a counter in the session', href: '/visits' },
  { try: '/report', what: 'a slow report computed once and cached', href: '/report' },
  { try: '/chat?room=lobby', what: 'a chat room over WebSocket (open it in two tabs)', href: '/chat?room=lobby' },
]

// Templates in ./views (eta), every page wrapped in views/layout.eta.
const views = createViews({ dir: fileURLToPath(new URL('./views', import.meta.url)), layout: 'layout' })

/** Renders a page with what every page shows: who is signed in. */
async function page(c: Context, name: string, data: Record<string, unknown>, status?: number): Promise<Context> {
  const signedInAs = await c.get('session')?.get<string>('user')
  return views.render(c, name, { ...data, signedInAs }, { status })
}

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
  app.use(inspector()) // debug mode: every request live at /_weir (docs/inspector.md); off in release mode
  // Request id → access log → recover, plus GET /metrics (see docs/middleware/recommended.md).
  app.use(...recommended({ metrics: true }))
  app.use(async (c, next) => {
    const t = performance.now()
    await next()
    c.header('x-response-time', `${(performance.now() - t).toFixed(3)}ms`)
  })
  app.use(session({ store, keys: [process.env.SESSION_KEY ?? DEV_KEY] }))
  // A browser gets the home page, curl and scripts the same tour as JSON.
  app.get('/', (c) => {
    c.header('vary', 'Accept')
    if (c.req.accepts('json', 'html') === 'html') return page(c, 'home', { title: 'Home', tour: TOUR, pid: process.pid })
    return { name: 'weir demo', pid: process.pid, try: TOUR.map((stop) => stop.try) }
  })
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
  mountChat(app) // GET /chat: a page; GET /chat/:room: its WebSocket
  const users = new Map(SEED_USERS.map((u) => [u.id, { ...u }]))
  // Server-rendered: the list and a form; a bad name re-renders the form with 422, a good one redirects (303).
  app.get('/users', (c) => page(c, 'users', { title: 'Users', users: [...users.values()] }))
  app.post('/users', async (c) => {
    const form = await c.req.form()
    const name = typeof form.name === 'string' ? form.name.trim() : ''
    const error =
      name.length < 1 || name.length > 40 || /\p{Cc}/u.test(name)
        ? 'A name is 1 to 40 characters, without control characters.'
        : users.size >= MAX_USERS
          ? `The demo keeps at most ${MAX_USERS} users.`
          : undefined
    if (error) return page(c, 'users', { title: 'Users', users: [...users.values()], name, error }, 422)
    const id = String(users.size + 1)
    users.set(id, { id, name })
    return c.redirect('/users', 303)
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
