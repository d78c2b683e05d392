// The ceiling: node:http with a switch on the path, no framework. Same data layer and JSON.stringify.
import { createServer } from 'node:http'
import { HELLO, escapeHtml, fortunesPage, openDatabase, port, queryCount, ready } from './common.mjs'

const db = openDatabase()
const cached = await db.openCache()

function send(res, type, body) {
  res.writeHead(200, { server: 'raw', 'content-type': type, 'content-length': Buffer.byteLength(body) })
  res.end(body)
}
const json = (res, value) => send(res, 'application/json', JSON.stringify(value))

function fail(res, err) {
  console.error(err)
  if (!res.headersSent) res.writeHead(500, { server: 'raw', 'content-type': 'text/plain' })
  res.end('Internal Server Error')
}

/** The value of one query parameter, or undefined. */
function param(url, q, name) {
  if (q === -1) return undefined
  return new URLSearchParams(url.slice(q + 1)).get(name) ?? undefined
}

async function handle(req, res) {
  const url = req.url
  const q = url.indexOf('?')
  const path = q === -1 ? url : url.slice(0, q)
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { server: 'raw', allow: 'GET, HEAD', 'content-length': 0 })
    return res.end()
  }
  switch (path) {
    case '/json':
      return json(res, { message: HELLO })
    case '/plaintext':
      return send(res, 'text/plain', HELLO)
    case '/db':
      return json(res, await db.world())
    case '/queries':
      return json(res, await db.worlds(queryCount(param(url, q, 'queries'))))
    case '/updates':
      return json(res, await db.update(queryCount(param(url, q, 'queries'))))
    case '/fortunes':
      return send(res, 'text/html; charset=utf-8', fortunesPage(await db.fortunes(), escapeHtml))
    case '/cached-queries':
      return json(res, cached(queryCount(param(url, q, 'count'))))
    default:
      res.writeHead(404, { server: 'raw', 'content-type': 'text/plain', 'content-length': 9 })
      return res.end('Not Found')
  }
}

const server = createServer((req, res) => {
  handle(req, res).catch((err) => fail(res, err))
})
server.listen(port(), '127.0.0.1', () => ready(server.address().port))
