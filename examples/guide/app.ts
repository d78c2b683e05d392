/**
 * The bookmarks service that docs/guide.md builds step by step: routes with params and a group, validation
 * with zod, the recommended stack, errors with codes, health checks. The guide's code blocks come from this
 * file (with `weir` imports instead of the relative ones): change both together.
 */
import { z } from 'zod'
import { type App, type Context, HttpError, type Middleware, type Mode, type ParamsOf, type TrustProxy, createApp } from '../../src/index.js'
import { createLogger } from '../../src/middleware/logger/index.js'
import { recommended } from '../../src/middleware/recommended/index.js'
import { validate } from '../../src/middleware/validate/index.js'

export interface Bookmark {
  id: string
  url: string
  title: string
  tags: string[]
}

/** Bookmarks in memory; a real service would keep them in a database. */
export class BookmarkStore {
  readonly #items = new Map<string, Bookmark>()
  #next = 1

  add(input: Omit<Bookmark, 'id'>): Bookmark {
    const bookmark = { id: String(this.#next++), ...input }
    this.#items.set(bookmark.id, bookmark)
    return bookmark
  }

  get(id: string): Bookmark | undefined {
    return this.#items.get(id)
  }

  list(tag?: string): Bookmark[] {
    const all = [...this.#items.values()]
    return tag === undefined ? all : all.filter((b) => b.tags.includes(tag))
  }

  delete(id: string): boolean {
    return this.#items.delete(id)
  }
}

export interface ServiceOptions {
  /** The bearer token clients of `/api` send. */
  token: string
  /** Where bookmarks live. Default: a new, empty store. */
  store?: BookmarkStore
  /** Default: from `WEIR_MODE` / `NODE_ENV`. */
  mode?: Mode
  /** Which proxies to believe about the client. Default `false`. */
  trustProxy?: TrustProxy
}

/** `Authorization: Bearer <token>`, or 401 `ERR_AUTH_REQUIRED`. */
function requireToken(token: string): Middleware {
  const expected = `Bearer ${token}`
  return async function requireToken(c, next) {
    if (c.req.header('authorization') !== expected) {
      throw new HttpError(401, 'Send "Authorization: Bearer <token>"', { code: 'ERR_AUTH_REQUIRED', headers: { 'www-authenticate': 'Bearer' } })
    }
    await next()
  }
}

const listQuery = validate({
  query: z.object({
    tag: z.string().min(1).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(20),
  }),
})

const newBookmark = validate({
  body: z.object({
    url: z.url(),
    title: z.string().min(1).max(200),
    tags: z.array(z.string().min(1)).max(10).default([]),
  }),
})

/** Builds the app; the tests build one per test, each with its own store. */
export function buildApp(options: ServiceOptions): App {
  const store = options.store ?? new BookmarkStore()
  const app = createApp({
    mode: options.mode,
    trustProxy: options.trustProxy ?? false,
    logger: createLogger({ mode: options.mode }),
  })
  app.use(...recommended())

  app.get('/', () => ({ service: 'bookmarks', api: '/api/bookmarks' }))
  app.get('/healthz', (c) => c.text('ok'))
  app.get('/readyz', (c) => (app.closing ? c.text('closing', 503) : c.text('ready')))

  app.notFound((c) => {
    throw new HttpError(404, `Nothing at ${c.req.path}; the API is under /api`, { code: 'ERR_NOT_FOUND' })
  })

  const api = app.group('/api', requireToken(options.token))

  api.get('/bookmarks', listQuery, (c) => {
    const { tag, limit } = c.valid(listQuery).query
    return store.list(tag).slice(0, limit)
  })

  api.post('/bookmarks', newBookmark, (c) => {
    const bookmark = store.add(c.valid(newBookmark).body)
    c.header('location', `/api/bookmarks/${bookmark.id}`)
    return c.json(bookmark, 201)
  })

  api.get('/bookmarks/:id(\\d+)', getBookmark(store))

  api.delete('/bookmarks/:id(\\d+)', (c) => {
    if (!store.delete(c.params.id)) throw bookmarkNotFound(c.params.id)
    return c.body(null, 204)
  })

  // Streamed: one JSON line per bookmark, written as the generator yields them.
  api.get('/export', (c) => {
    c.header('content-type', 'application/x-ndjson')
    return (function* () {
      for (const b of store.list()) yield `${JSON.stringify(b)}\n`
    })()
  })

  return app
}

/** A handler written outside `api.get`: `Context<ParamsOf<pattern>>` types `c.params`. */
function getBookmark(store: BookmarkStore) {
  return (c: Context<ParamsOf<'/bookmarks/:id'>>) => {
    const bookmark = store.get(c.params.id)
    if (bookmark === undefined) throw bookmarkNotFound(c.params.id)
    return bookmark
  }
}

function bookmarkNotFound(id: string): HttpError {
  return new HttpError(404, `No bookmark ${id}`, { code: 'ERR_BOOKMARK_NOT_FOUND' })
}
