// weir from src/ (run with `node --import tsx`): the counter route bare, or behind session() on one store.
//   bare          no session middleware
//   memory-read   memoryStore(), GET / reads the counter only (no save, no cookie)
//   memory, file, sqlite, redis   GET / reads the counter and stores counter + 1 (a load, then a save)
import { join } from 'node:path'
import { countCpu } from '../lib.mjs'
import { KEY, ready, redisEnv, serverArgs } from './common.mjs'

const VARIANTS = ['bare', 'memory-read', 'memory', 'file', 'sqlite', 'redis']
const { variant, port } = serverArgs('weir', VARIANTS)
const { createApp } = await import('../../src/index.ts')
const app = createApp({ mode: 'release' })

if (variant === 'bare') {
  app.get('/seed', (c) => c.json({ count: 0 }))
  app.get('/', (c) => c.json({ count: 0 }))
} else {
  const { session } = await import('../../src/middleware/session/index.ts')
  const dir = process.env.BENCH_DIR ?? '.weir'
  let store
  if (variant === 'memory' || variant === 'memory-read') store = (await import('../../src/store/index.ts')).memoryStore()
  else if (variant === 'file') store = (await import('../../src/store/index.ts')).fileStore({ dir: join(dir, `file-${port}`) })
  else if (variant === 'sqlite') store = (await import('../../src/store/sqlite/index.ts')).sqliteStore({ path: join(dir, `sqlite-${port}.db`) })
  else store = (await import('../../src/store/redis/index.ts')).redisStore(redisEnv())
  app.use(session({ keys: [KEY], store }))
  app.get('/seed', (c) => {
    c.get('session').set('count', 0)
    return c.json({ count: 0 })
  })
  if (variant === 'memory-read') {
    app.get('/', async (c) => c.json({ count: await c.get('session').get('count') }))
  } else {
    app.get('/', async (c) => {
      const s = c.get('session')
      const count = ((await s.get('count')) ?? 0) + 1
      s.set('count', count)
      return c.json({ count })
    })
  }
}

countCpu(await app.listen({ port, host: '127.0.0.1' }))
ready()
