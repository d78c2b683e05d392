/**
 * Starts the RealWorld API. Environment: `PORT` (default 3000; 0 picks a free one), `HOST` (default
 * 127.0.0.1), `DATABASE_URL` (PostgreSQL; without it SQLite), `SQLITE_FILE` (default .weir/realworld.db),
 * `JWT_SECRET` (required in production; otherwise a random one per start, so tokens end with the process).
 * Prints the API's base URL once listening; SIGTERM and SIGINT close it gracefully.
 */
import { randomBytes } from 'node:crypto'
import { buildApp } from './app.js'
import { openDatabase } from './db/index.js'

const secret = process.env.JWT_SECRET ?? (process.env.NODE_ENV === 'production' ? undefined : randomBytes(32).toString('base64url'))
if (secret === undefined) throw new Error('Set JWT_SECRET (32 bytes or more, e.g. `openssl rand -base64 32`)')

const db = await openDatabase({ url: process.env.DATABASE_URL, file: process.env.SQLITE_FILE })
const app = buildApp({ db, secret })
app.onEvent('close', () => db.close())
await app.listen({ host: process.env.HOST ?? '127.0.0.1', signals: ['SIGTERM', 'SIGINT'], closeTimeout: 10_000 })
app.log.info({ port: app.port, driver: db.driver, routes: app.routes().length }, 'realworld API listening')
console.log(`RealWorld API on http://${process.env.HOST ?? '127.0.0.1'}:${app.port}/api (${db.driver})`)
