// Router micro-benchmark: weir's RadixRouter against find-my-way on a GitHub-API-like table.
// Run: node --import tsx bench/router.mjs [--rounds 15] [--iterations 20000] [--fresh]
// --fresh looks up distinct string copies (no cached string hash), as a server sees fresh request URLs.
import { parseArgs } from 'node:util'
import findMyWay from 'find-my-way'
import { RadixRouter } from '../src/router/radix/index.ts'

const { values: opts } = parseArgs({
  options: {
    rounds: { type: 'string', default: '15' },
    iterations: { type: 'string', default: '20000' },
    fresh: { type: 'boolean', default: false },
  },
})
const ROUNDS = Number(opts.rounds)
const ITERATIONS = Number(opts.iterations)

const ROUTES = `
GET /authorizations|GET /authorizations/:id|POST /authorizations|DELETE /authorizations/:id
GET /applications/:client_id/tokens/:access_token|GET /events|GET /repos/:owner/:repo/events
GET /networks/:owner/:repo/events|GET /orgs/:org/events|GET /users/:user/received_events
GET /users/:user/received_events/public|GET /users/:user/events|GET /users/:user/events/public
GET /users/:user/events/orgs/:org|GET /feeds|GET /notifications|GET /repos/:owner/:repo/notifications
PUT /notifications|GET /notifications/threads/:id|GET /notifications/threads/:id/subscription
GET /repos/:owner/:repo/stargazers|GET /users/:user/starred|GET /user/starred|GET /user/starred/:owner/:repo
PUT /user/starred/:owner/:repo|GET /repos/:owner/:repo/subscribers|GET /users/:user/subscriptions
GET /user/subscriptions|GET /user/subscriptions/:owner/:repo|GET /users/:user/gists|GET /gists
GET /gists/public|GET /gists/starred|GET /gists/:id|POST /gists|PUT /gists/:id/star|DELETE /gists/:id/star
GET /gists/:id/star|POST /gists/:id/forks|DELETE /gists/:id|GET /repos/:owner/:repo/git/blobs/:sha
GET /repos/:owner/:repo/git/commits/:sha|GET /repos/:owner/:repo/git/refs|GET /repos/:owner/:repo/git/tags/:sha
GET /repos/:owner/:repo/git/trees/:sha|GET /issues|GET /user/issues|GET /orgs/:org/issues
GET /repos/:owner/:repo/issues|GET /repos/:owner/:repo/issues/:number|POST /repos/:owner/:repo/issues
GET /repos/:owner/:repo/assignees|GET /repos/:owner/:repo/assignees/:assignee
GET /repos/:owner/:repo/issues/:number/comments|GET /repos/:owner/:repo/issues/:number/events
GET /repos/:owner/:repo/labels|GET /repos/:owner/:repo/labels/:name|GET /repos/:owner/:repo/milestones
GET /repos/:owner/:repo/milestones/:number|GET /emojis|GET /gitignore/templates|GET /gitignore/templates/:name
POST /markdown|POST /markdown/raw|GET /meta|GET /rate_limit|GET /users/:user/orgs|GET /user/orgs
GET /orgs/:org|GET /orgs/:org/members|GET /orgs/:org/members/:user|GET /orgs/:org/teams|GET /teams/:id
GET /teams/:id/members|GET /teams/:id/repos|GET /user/teams|GET /repos/:owner/:repo/pulls
GET /repos/:owner/:repo/pulls/:number|GET /repos/:owner/:repo/pulls/:number/commits
GET /repos/:owner/:repo/pulls/:number/files|GET /repos/:owner/:repo/pulls/:number/merge
GET /repos/:owner/:repo/pulls/:number/comments|GET /user/repos|GET /users/:user/repos|GET /orgs/:org/repos
GET /repositories|GET /repos/:owner/:repo|GET /repos/:owner/:repo/contributors|GET /repos/:owner/:repo/languages
GET /repos/:owner/:repo/tags|GET /repos/:owner/:repo/branches|GET /repos/:owner/:repo/branches/:branch
GET /repos/:owner/:repo/collaborators|GET /repos/:owner/:repo/comments|GET /repos/:owner/:repo/commits
GET /repos/:owner/:repo/commits/:sha|GET /repos/:owner/:repo/readme|GET /repos/:owner/:repo/keys
GET /repos/:owner/:repo/downloads|GET /repos/:owner/:repo/forks|GET /repos/:owner/:repo/hooks
GET /repos/:owner/:repo/releases|GET /repos/:owner/:repo/stats/contributors|GET /search/repositories
GET /search/code|GET /search/issues|GET /search/users|GET /legacy/issues/search/:owner/:repository/:state/:keyword
GET /users/:user|GET /user|GET /users|GET /user/emails|GET /users/:user/followers|GET /user/followers
GET /users/:user/following|GET /user/following|GET /user/following/:user|GET /users/:user/following/:target_user
GET /users/:user/keys|GET /user/keys|GET /user/keys/:id|GET /user/:id`
  .split(/[|\n]/)
  .filter((line) => line.trim() !== '')
  .map((line) => line.trim().split(' '))

// Static, deep static, 1-, 2-, 3- and 4-parameter routes, a static beside a parameter, and misses.
const PATHS = [
  ['GET', '/user'],
  ['GET', '/user/repos'],
  ['GET', '/events'],
  ['GET', '/gists/public'],
  ['GET', '/gitignore/templates'],
  ['POST', '/markdown/raw'],
  ['GET', '/rate_limit'],
  ['GET', '/users/octocat'],
  ['GET', '/user/12345'],
  ['GET', '/gists/aa5a315d61ae9438b18d'],
  ['GET', '/teams/42/members'],
  ['GET', '/repos/julienschmidt/httprouter'],
  ['GET', '/repos/julienschmidt/httprouter/stargazers'],
  ['GET', '/repos/nodejs/node/issues/42'],
  ['GET', '/repos/nodejs/node/pulls/1000/files'],
  ['GET', '/repos/delvedor/find-my-way/git/blobs/3f2a9c'],
  ['GET', '/legacy/issues/search/nodejs/node/open/bug'],
  ['GET', '/users/octocat/events/orgs/github'],
  ['GET', '/nope/nothing/here'],
  ['GET', '/repos/a/b/unknown/x'],
]

const weir = new RadixRouter()
const fmw = findMyWay()
for (const [method, path] of ROUTES) {
  weir.add(method, path, path)
  fmw.on(method, path, () => path)
}

// Both routers must agree on what matches, or the comparison means nothing.
for (const [method, path] of PATHS) {
  const a = weir.find(method, path)
  const b = fmw.find(method, path)
  if ((a === null) !== (b === null) || (a !== null && JSON.stringify(a.params) !== JSON.stringify({ ...b.params }))) {
    throw new Error(`routers disagree on ${method} ${path}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`)
  }
}

/** One copy of the path list per iteration when --fresh: new strings carry no cached hash. */
function workload() {
  if (!opts.fresh) return null
  return Array.from({ length: ITERATIONS }, () => PATHS.map(([m, p]) => [m, Buffer.from(p).toString()]))
}

let sink = 0
function run(router, fresh) {
  const start = process.hrtime.bigint()
  for (let n = 0; n < ITERATIONS; n++) {
    const list = fresh === null ? PATHS : fresh[n]
    for (let k = 0; k < list.length; k++) {
      if (router.find(list[k][0], list[k][1]) !== null) sink++
    }
  }
  return Number(process.hrtime.bigint() - start) / (ITERATIONS * PATHS.length)
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const results = { weir: [], 'find-my-way': [] }
const routers = [
  ['weir', weir],
  ['find-my-way', fmw],
]
for (let round = -3; round < ROUNDS; round++) {
  // Alternate which router goes first; the first three rounds are warm-up and not recorded.
  const order = round % 2 === 0 ? routers : [...routers].reverse()
  for (const [name, router] of order) {
    const ns = run(router, workload())
    if (round >= 0) results[name].push(ns)
  }
}

const a = median(results.weir)
const b = median(results['find-my-way'])
console.log(`${ROUTES.length} routes, ${PATHS.length} paths, ${ITERATIONS} iterations x ${ROUNDS} rounds${opts.fresh ? ', fresh strings' : ''}`)
console.log(`weir        ${a.toFixed(1)} ns/lookup (median)`)
console.log(`find-my-way ${b.toFixed(1)} ns/lookup (median)`)
console.log(`weir / find-my-way = ${(a / b).toFixed(3)} (${((1 - a / b) * 100).toFixed(1)}% fewer ns)`)
if (sink === 0) console.log('unreachable')
