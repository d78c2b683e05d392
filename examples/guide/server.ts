/**
 * Starts the bookmarks service of docs/guide.md. Configuration comes from the environment:
 * `API_TOKEN` (required in production), `PORT` (default 3000), `HOST` (default 127.0.0.1; `0.0.0.0` in a
 * container), `TRUST_PROXY` (hops of proxies in front, default 0). SIGTERM and SIGINT close it gracefully.
 */
import { buildApp } from './app.js'

const token = process.env.API_TOKEN ?? (process.env.NODE_ENV === 'production' ? undefined : 'dev-token')
if (token === undefined) throw new Error('Set API_TOKEN')

const app = buildApp({ token, trustProxy: Number(process.env.TRUST_PROXY ?? 0) })
// No `port`: listen() reads PORT itself (a value that is not a port number is a TypeError), else 3000.
await app.listen({
  host: process.env.HOST ?? '127.0.0.1',
  signals: ['SIGTERM', 'SIGINT'],
  closeTimeout: 10_000,
})
app.log.info({ port: app.port, mode: app.mode, routes: app.routes().length }, 'bookmarks service listening')
