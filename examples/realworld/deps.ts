/** What the routes need: the database and the token signer. */
import type { Tokens } from './auth/token.js'
import type { Database } from './db/index.js'

/** Handed to every `…Routes(api, deps)` function. */
export interface Deps {
  db: Database
  tokens: Tokens
}
