// weir from src/ (run with `node --import tsx`): a ~1 KB JSON route, bare or answered from a cache on the
// memory store. Every variant is measured on its hit path: the first request fills the cache.
//   bare       the handler serializes the payload each time
//   response   app.use(cacheResponse()): a hit replays the stored status, headers and bytes (handler not run)
//   wrap       the handler answers c.json(await cache.wrap(key, load)): a hit decodes the stored value
//
//   node --import tsx bench/servers-cache/weir.mjs <bare|response|wrap> <port>
import { countCpu } from '../lib.mjs'

const VARIANTS = ['bare', 'response', 'wrap']
const [variant, portArg] = process.argv.slice(2)
const port = Number(portArg)
if (!VARIANTS.includes(variant) || !Number.isInteger(port) || port <= 0 || port > 65535) {
  console.error(`usage: node --import tsx bench/servers-cache/weir.mjs <${VARIANTS.join('|')}> <port>`)
  process.exit(2)
}

/** About 1 KB of JSON (the payload of bench/etag.mjs). */
function payload() {
  const items = []
  for (let i = 0; JSON.stringify(items).length < 1000; i++) items.push({ id: i, name: `user-${i}`, email: `user${i}@example.com` })
  return items
}

const { createApp } = await import('../../src/index.ts')
const { cacheResponse, createCache } = await import('../../src/middleware/cache/index.ts')
const data = payload()
// An hour: nothing goes stale during a run, so every measured request is a hit.
const TTL = 3_600_000
const app = createApp({ mode: 'release' })
if (variant === 'response') app.use(cacheResponse({ ttl: TTL }))
if (variant === 'wrap') {
  const cache = createCache({ ttl: TTL })
  app.get('/', async (c) => c.json(await cache.wrap('payload', async () => data)))
} else {
  app.get('/', (c) => c.json(data))
}

countCpu(await app.listen({ port, host: '127.0.0.1' }))
console.log('ready')
