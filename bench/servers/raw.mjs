// The ceiling: a hand-written node:http server, no framework. Bodies are serialized per request
// (JSON.stringify), as a framework would, so the comparison measures framework overhead only.
import { createServer } from 'node:http'
import { HELLO, MIDDLEWARES, ready, serverArgs } from './common.mjs'
import { ROUTES, USER_ROUTE } from './routes.mjs'

const { kase, port } = serverArgs('raw')

function send(res, status, value) {
  const body = JSON.stringify(value)
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
  })
  res.end(body)
}

function notFound(res) {
  send(res, 404, { error: 'Not Found' })
}

function pathOf(url) {
  const q = url.indexOf('?')
  return q === -1 ? url : url.slice(0, q)
}

// (a): a switch on the path.
function hello(req, res) {
  switch (pathOf(req.url)) {
    case '/':
      if (req.method === 'GET' || req.method === 'HEAD') return send(res, 200, HELLO)
      return send(res, 405, { error: 'Method Not Allowed' })
    default:
      return notFound(res)
  }
}

// (b): split the path into segments and match it by hand. Static routes are one Map lookup;
// parameter routes are bucketed by method, segment count and first segment, then compared
// segment by segment (a `:` segment accepts any non-empty value).
const statics = new Map()
const dynamics = new Map()
for (const r of ROUTES) {
  const segs = r.path.split('/').slice(1)
  if (!r.path.includes(':')) {
    statics.set(`${r.method} ${r.path}`, r)
    continue
  }
  const key = `${r.method} ${segs.length} ${segs[0]}`
  let bucket = dynamics.get(key)
  if (bucket === undefined) {
    bucket = []
    dynamics.set(key, bucket)
  }
  bucket.push({ route: r, segs })
}

function table(req, res) {
  const path = pathOf(req.url)
  const method = req.method === 'HEAD' ? 'GET' : req.method
  const hit = statics.get(`${method} ${path}`)
  if (hit !== undefined) return send(res, 200, hit.body)
  const parts = path.split('/').slice(1)
  const bucket = dynamics.get(`${method} ${parts.length} ${parts[0]}`)
  if (bucket !== undefined) {
    outer: for (const { route, segs } of bucket) {
      const params = {}
      for (let i = 1; i < segs.length; i++) {
        const s = segs[i]
        if (s.charCodeAt(0) === 58 /* : */) {
          if (parts[i] === '') continue outer
          try {
            params[s.slice(1)] = decodeURIComponent(parts[i])
          } catch {
            return send(res, 400, { error: 'Bad Request' })
          }
        } else if (s !== parts[i]) {
          continue outer
        }
      }
      if (route.path === USER_ROUTE) return send(res, 200, { id: params.id })
      return send(res, 200, route.body)
    }
  }
  return notFound(res)
}

// (c): the (a) handler behind 10 nested plain function calls.
function chain(handler, depth) {
  let fn = handler
  for (let i = 0; i < depth; i++) {
    const next = fn
    fn = (req, res) => next(req, res)
  }
  return fn
}

const handlers = { a: hello, b: table, c: chain(hello, MIDDLEWARES) }

createServer(handlers[kase]).listen(port, '127.0.0.1', ready)
