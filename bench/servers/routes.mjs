// The route table of case (b), shared by every server. A GitHub-API-like mix of static and
// parameter routes over GET/POST/PUT/DELETE, with statics beside params at the same depth
// (/user/repos next to /user/:id, /releases/latest next to /releases/:releaseId).
//
// Order matters only to routers that scan linearly (express, koa): statics are listed before the
// parameter route that could shadow them, and the measured route `GET /user/:id` sits in the middle
// of the table (it is not first), as it would in a real application grouped by resource.
// Parameter names are the same wherever two patterns share a prefix, so no router sees a conflict.

/** The route the load hits in case (b); it answers `{"id":"<id>"}`. */
export const USER_ROUTE = '/user/:id'

const TABLE = [
  ['GET', '/health'],
  ['GET', '/rate_limit'],
  ['GET', '/emojis'],
  ['GET', '/notifications'],
  ['PUT', '/notifications'],
  ['GET', '/search/repositories'],
  ['GET', '/search/users'],
  ['GET', '/gists'],
  ['POST', '/gists'],
  ['GET', '/gists/public'],
  ['GET', '/gists/:gistId'],
  ['DELETE', '/gists/:gistId'],
  ['GET', '/orgs/:org'],
  ['GET', '/orgs/:org/repos'],
  ['POST', '/orgs/:org/repos'],
  ['GET', '/orgs/:org/members'],
  ['PUT', '/orgs/:org/members/:user'],
  ['DELETE', '/orgs/:org/members/:user'],
  ['GET', '/users'],
  ['GET', '/users/:user'],
  ['GET', '/users/:user/repos'],
  ['GET', '/users/:user/followers'],
  ['GET', '/user/repos'],
  ['POST', '/user/repos'],
  ['GET', '/user/orgs'],
  ['GET', '/user/keys'],
  ['GET', '/user/starred'],
  ['GET', USER_ROUTE],
  ['PUT', '/user/starred/:owner/:repo'],
  ['DELETE', '/user/starred/:owner/:repo'],
  ['GET', '/repos/:owner/:repo'],
  ['PUT', '/repos/:owner/:repo'],
  ['DELETE', '/repos/:owner/:repo'],
  ['GET', '/repos/:owner/:repo/issues'],
  ['POST', '/repos/:owner/:repo/issues'],
  ['GET', '/repos/:owner/:repo/issues/:number'],
  ['PUT', '/repos/:owner/:repo/issues/:number'],
  ['GET', '/repos/:owner/:repo/issues/:number/comments'],
  ['POST', '/repos/:owner/:repo/issues/:number/comments'],
  ['GET', '/repos/:owner/:repo/pulls'],
  ['POST', '/repos/:owner/:repo/pulls'],
  ['GET', '/repos/:owner/:repo/pulls/:number'],
  ['PUT', '/repos/:owner/:repo/pulls/:number/merge'],
  ['GET', '/repos/:owner/:repo/commits'],
  ['GET', '/repos/:owner/:repo/commits/:sha'],
  ['GET', '/repos/:owner/:repo/branches'],
  ['GET', '/repos/:owner/:repo/branches/:branch'],
  ['GET', '/repos/:owner/:repo/releases'],
  ['GET', '/repos/:owner/:repo/releases/latest'],
  ['GET', '/repos/:owner/:repo/releases/:releaseId'],
  ['DELETE', '/repos/:owner/:repo/releases/:releaseId'],
  ['GET', '/repos/:owner/:repo/stargazers'],
]

/**
 * `{ method, path, body }` for every route; `method` is upper-case (GET/POST/PUT/DELETE), `body` the
 * small JSON object every route but USER_ROUTE answers. `lower` is the method for `app.<lower>()`.
 */
export const ROUTES = TABLE.map(([method, path]) => ({
  method,
  lower: method.toLowerCase(),
  path,
  body: { route: `${method} ${path}` },
}))
