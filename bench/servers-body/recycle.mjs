// What buffer recycling (seed 2's sync.Pool) buys, on bare node:http so nothing else is measured:
//   plain: keep the socket's chunks, Buffer.concat when there are several (what weir does);
//   pool:  copy the chunks into a buffer taken from a per-size-class free list, given back when the
//          response has finished.
// Both decode and JSON.parse the same way.
import { createServer } from 'node:http'
import { answer, gcMeter, ready, serverArgs } from './common.mjs'

const { port, variant = 'plain' } = serverArgs('recycle')
const gc = gcMeter()
const CAP = 64
const free = Array.from({ length: 32 }, () => [])
const classOf = (n) => Math.max(10, 32 - Math.clz32(Math.max(1, n) - 1))

function take(n) {
  const cls = classOf(n)
  return free[cls].pop() ?? Buffer.allocUnsafeSlow(2 ** cls)
}
function give(buf) {
  const list = free[classOf(buf.length)]
  if (list.length < CAP) list.push(buf)
}

function send(res, value) {
  const body = JSON.stringify(value)
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
  res.end(body)
}

function plain(req, res) {
  const chunks = []
  let size = 0
  req.on('data', (c) => {
    chunks.push(c)
    size += c.length
  })
  req.on('end', () => {
    const bytes = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size)
    send(res, answer(JSON.parse(bytes.toString('utf8'))))
  })
}

function pooled(req, res) {
  const buf = take(Number(req.headers['content-length']) || 1024)
  let off = 0
  req.on('data', (c) => {
    c.copy(buf, off)
    off += c.length
  })
  req.on('end', () => {
    res.once('finish', () => give(buf))
    send(res, answer(JSON.parse(buf.toString('utf8', 0, off))))
  })
}

const handle = variant === 'pool' ? pooled : plain
createServer((req, res) => {
  if (req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'application/json' })
    return res.end(gc())
  }
  handle(req, res)
}).listen(port, '127.0.0.1', ready)
