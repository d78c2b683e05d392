/** The demo app of the README: a few routes showing params, groups, middleware and errors. */
import { type App, HttpError, type Middleware, createApp } from '../../src/index.js'

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

/** Builds the demo app (also used by its tests). */
export function buildDemo(): App {
  const app = createApp()
  app.use(async (c, next) => {
    const t = performance.now()
    await next()
    c.header('x-response-time', `${(performance.now() - t).toFixed(3)}ms`)
  })
  app.get('/', () => ({ name: 'weir demo', try: ['/hello', '/users/1', '/users/abc', 'GET /api/items (auth)'] }))
  app.get('/hello', () => ({ hello: 'world' }))
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
  return app
}
