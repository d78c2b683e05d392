/**
 * The RealWorld ("Conduit") API on weir: every operation of the spec under `/api`, errors in its
 * `{"errors":{…}}` shape, its OpenAPI document at `/api/docs` in debug mode. See docs/realworld.md.
 */
import { type App, type Logger, type Mode, createApp } from '../../src/index.js'
import { cors } from '../../src/middleware/cors/index.js'
import { createLogger } from '../../src/middleware/logger/index.js'
import { recommended } from '../../src/middleware/recommended/index.js'
import { identify } from './auth/middleware.js'
import { createTokens } from './auth/token.js'
import type { Database } from './db/index.js'
import type { Deps } from './deps.js'
import { answerError } from './errors.js'
import { apiErrors, serveDocs } from './openapi.js'
import { articleRoutes } from './routes/articles.js'
import { commentRoutes } from './routes/comments.js'
import { profileRoutes } from './routes/profiles.js'
import { tagRoutes } from './routes/tags.js'
import { userRoutes } from './routes/users.js'

/** Options of {@link buildApp}. */
export interface RealWorldOptions {
  /** An open database (`openDatabase()` from `./db/index.js`). */
  db: Database
  /** The secret tokens are signed with, 32 bytes or more. */
  secret: string
  /** How long a token is valid, seconds. Default 24 h. */
  tokenTtl?: number
  /** Default: from `WEIR_MODE` / `NODE_ENV`. */
  mode?: Mode
  /** Default: `createLogger()` (pino) for the mode. */
  logger?: Logger
}

/**
 * The app, ready to listen or to answer `app.request()`.
 *
 * @example
 * const app = buildApp({ db: await openDatabase(), secret: process.env.JWT_SECRET })
 * await app.listen()
 */
export function buildApp(options: RealWorldOptions): App {
  const app = createApp({ mode: options.mode, logger: options.logger ?? createLogger({ mode: options.mode }) })
  // Every error answer — thrown, caught by recover(), weir's own 404 and 405 — is made by answerError, in
  // the spec's shape. cors(): the RealWorld front ends run on other origins; tokens travel in a header, not
  // a cookie, so any origin may call.
  app.use(...recommended(), cors())
  app.onError(answerError)
  app.get('/healthz', (c) => c.text('ok'))

  const deps: Deps = { db: options.db, tokens: createTokens(options.secret, options.tokenTtl ?? 24 * 3600) }
  const api = app.group('/api', apiErrors, identify(deps.tokens, deps.db))
  userRoutes(api, deps)
  profileRoutes(api, deps)
  articleRoutes(api, deps)
  commentRoutes(api, deps)
  tagRoutes(api, deps)
  serveDocs(app)
  return app
}
