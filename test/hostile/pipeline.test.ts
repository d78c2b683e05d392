// Many clients pipelining random requests at once: every response reaches the connection that asked, in
// the order asked, with its own request id — no request's answer (or data) lands in another's. Seeded.
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { gunzipSync } from 'node:zlib'
import { after, before, describe, it } from 'node:test'
import type { App } from '../../src/index.js'
import { compress } from '../../src/middleware/compress/index.js'
import { etag } from '../../src/middleware/etag/index.js'
import { consoleLogger } from '../../src/utils/console-logger.js'
import { type Site, buildApp, makeSite } from './app.js'
import { rng } from './helpers.js'

const SEED = Number(process.env.FUZZ_SEED ?? 7)
const CLIENTS = 8
const PER_CLIENT = 25

interface Sent {
  method: string
  path: string
  id: string
  /** What the body must be, when it is known in advance. */
  body?: string
}

interface Got {
  status: number
  headers: Record<string, string>
  /** The body as sent, decoded from gzip when it was compressed. */
  body: string
}

function plan(next: () => number, client: number): Sent[] {
  const out: Sent[] = []
  for (let i = 0; i < PER_CLIENT; i++) {
    const id = `c${client}-r${i}`
    const r = next()
    if (r < 0.3) out.push({ method: 'GET', path: `/users/${id}`, id, body: JSON.stringify({ id }) })
    else if (r < 0.45) out.push({ method: 'HEAD', path: `/users/${id}`, id })
    else if (r < 0.6) out.push({ method: 'POST', path: '/items', id, body: JSON.stringify({ ok: true, type: 'object' }) })
    else if (r < 0.7) out.push({ method: 'GET', path: '/static/a.txt', id, body: 'hello from a.txt\n' })
    else if (r < 0.8) out.push({ method: 'GET', path: '/short', id, body: 'line 0\nline 1\nline 2\nline 3\nline 4\n' })
    else if (r < 0.9) out.push({ method: 'GET', path: `/nowhere/${id}`, id })
    else out.push({ method: 'GET', path: '/static/big.txt', id })
  }
  return out
}

function wire(sent: Sent[]): string {
  return sent
    .map((s, i) => {
      const last = i === sent.length - 1 ? 'Connection: close\r\n' : ''
      const body = s.method === 'POST' ? JSON.stringify({ from: s.id }) : ''
      const type = body ? `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n` : ''
      // The short stream asks for gzip: compressed answers are framed (chunked) between plain ones.
      const gzip = s.path === '/short' ? 'Accept-Encoding: gzip\r\n' : ''
      return `${s.method} ${s.path} HTTP/1.1\r\nHost: x\r\nX-Request-Id: ${s.id}\r\n${type}${gzip}${last}\r\n${body}`
    })
    .join('')
}

/** Splits a byte stream of responses, framed by Content-Length or chunked encoding (HEAD, 204, 304: none). */
function parse(raw: Buffer, methods: string[]): Got[] {
  const out: Got[] = []
  let at = 0
  for (const method of methods) {
    const end = raw.indexOf('\r\n\r\n', at)
    if (end === -1) break
    const lines = raw.subarray(at, end).toString('latin1').split('\r\n')
    const status = Number(lines[0]!.slice(9, 12))
    const headers: Record<string, string> = {}
    for (const l of lines.slice(1)) headers[l.slice(0, l.indexOf(':')).toLowerCase()] = l.slice(l.indexOf(':') + 1).trim()
    at = end + 4
    let body: Buffer = Buffer.alloc(0)
    if (method !== 'HEAD' && status !== 204 && status !== 304) {
      if (headers['transfer-encoding'] === 'chunked') {
        const parts: Buffer[] = []
        for (;;) {
          const eol = raw.indexOf('\r\n', at)
          const size = Number.parseInt(raw.subarray(at, eol).toString('latin1'), 16)
          at = eol + 2
          if (size === 0) {
            at += 2
            break
          }
          parts.push(raw.subarray(at, at + size))
          at += size + 2
        }
        body = Buffer.concat(parts)
      } else {
        const n = Number(headers['content-length'] ?? 0)
        body = raw.subarray(at, at + n)
        at += n
      }
    }
    out.push({ status, headers, body: (headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body).toString('utf8') })
  }
  assert.equal(at, raw.length, 'nothing after the last response')
  return out
}

function exchange(port: number, data: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1')
    const chunks: Buffer[] = []
    // Against hangs only: a test never depends on how fast the answers come.
    const timer = setTimeout(() => {
      s.destroy()
      reject(new Error('no close within 30 s'))
    }, 30_000)
    s.on('data', (d) => chunks.push(d))
    s.on('close', () => {
      clearTimeout(timer)
      resolve(Buffer.concat(chunks))
    })
    s.on('error', reject)
    // In pieces of random-ish size, so requests straddle packets.
    let i = 0
    const step = () => {
      if (i >= data.length) return
      const n = 1 + ((i * 7919) % 1400)
      s.write(data.slice(i, i + n))
      i += n
      setImmediate(step)
    }
    step()
  })
}

describe(`hostile: ${CLIENTS} clients pipelining ${PER_CLIENT} requests each (seed ${SEED})`, () => {
  let site: Site
  let app: App
  before(async () => {
    site = makeSite()
    app = buildApp(site.root, { logger: consoleLogger('silent') }).app
    app.use(compress({ threshold: 0 }), etag())
    await app.listen({ port: 0, host: '127.0.0.1' })
  })
  after(async () => {
    await app.close({ timeout: 100 })
    site.cleanup()
  })

  it('every response goes to its own connection, in order, carrying its own request id and body', async () => {
    const next = rng(SEED)
    const plans = Array.from({ length: CLIENTS }, (_, c) => plan(next, c))
    const raws = await Promise.all(plans.map((p) => exchange(app.port!, wire(p))))
    for (const [c, p] of plans.entries()) {
      const got = parse(raws[c]!, p.map((s) => s.method))
      assert.equal(got.length, p.length, `client ${c}: ${got.length} responses for ${p.length} requests`)
      for (const [i, s] of p.entries()) {
        const g = got[i]!
        assert.equal(g.headers['x-request-id'], s.id, `client ${c} request ${i}: another request's answer`)
        if (s.body !== undefined) assert.equal(g.body, s.body, `client ${c} request ${i} (${s.method} ${s.path})`)
        if (s.path.startsWith('/nowhere')) assert.equal(g.status, 404)
        else assert.ok(g.status === 200 || g.status === 201, `client ${c} request ${i}: ${g.status}`)
        if (s.path === '/short') assert.equal(g.headers['content-encoding'], 'gzip')
        if (s.path === '/static/big.txt') assert.equal(g.body, 'b'.repeat(10_000))
      }
    }
  })
})
