// Hostile load: many connections, pipelining, and a short soak with an RSS check.
import assert from 'node:assert/strict'
import { Agent, request } from 'node:http'
import { connect, type Socket } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import type { App } from '../../src/index.js'
import { serve } from './helpers.js'

let app: App
before(async () => {
  app = await serve((a) => {
    a.get('/hello', () => ({ hello: 'world' }))
    a.get('/user/:id', (c) => ({ id: c.params.id }))
    a.post('/items', (c) => c.status(201).json({ ok: true }))
  })
})
after(() => app.close({ timeout: 200 }))

// Against hangs only: 25 000 requests take a while on a busy two-core machine.
const T = { timeout: 180_000 }

function openAndAsk(port: number): Promise<{ socket: Socket; ok: boolean }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    let data = ''
    const t = setTimeout(() => resolve({ socket, ok: false }), 15_000)
    socket.on('error', () => {
      clearTimeout(t)
      resolve({ socket, ok: false })
    })
    socket.on('data', (d) => {
      data += d.toString('latin1')
      if (data.endsWith('{"hello":"world"}')) {
        clearTimeout(t)
        resolve({ socket, ok: data.startsWith('HTTP/1.1 200') })
      }
    })
    socket.write('GET /hello HTTP/1.1\r\nHost: x\r\n\r\n')
  })
}

describe('hostile: load', () => {
  it('serves 2000 concurrent keep-alive connections and still answers', T, async () => {
    const conns = await Promise.all(Array.from({ length: 2000 }, () => openAndAsk(app.port!)))
    try {
      assert.equal(conns.filter((c) => c.ok).length, 2000)
      // A new client is still answered while the 2000 stay open (how fast is the machine's business).
      const res = await fetch(`http://127.0.0.1:${app.port}/hello`)
      assert.equal(res.status, 200)
    } finally {
      for (const c of conns) c.socket.destroy()
    }
  })

  it('soaks 20 000 mixed requests with zero errors and flat memory', T, async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 32 })
    const paths = ['/hello', '/user/42', '/nope', '/user/%zz']
    const expected = [200, 200, 404, 400]
    const run = async (n: number) => {
      let errors = 0
      let next = 0
      const worker = async () => {
        while (next < n) {
          const i = next++
          const k = i % (paths.length + 1)
          const status = await new Promise<number>((resolve) => {
            const method = k === paths.length ? 'POST' : 'GET'
            const req = request({ agent, port: app.port, host: '127.0.0.1', method, path: k === paths.length ? '/items' : paths[k] }, (res) => {
              res.resume()
              res.on('end', () => resolve(res.statusCode ?? 0))
            })
            req.on('error', () => resolve(0))
            req.end()
          })
          if (status !== (k === paths.length ? 201 : expected[k])) errors++
        }
      }
      await Promise.all(Array.from({ length: 32 }, worker))
      return errors
    }
    // The heap after a full collection: RSS alone moves by tens of MB with the allocator (Node 24's more).
    setFlagsFromString('--expose-gc')
    const gc = runInNewContext('gc') as () => void
    assert.equal(await run(5000), 0, 'warm-up errors')
    gc()
    const warm = process.memoryUsage().heapUsed
    assert.equal(await run(20_000), 0)
    gc()
    const grown = (process.memoryUsage().heapUsed - warm) / 1024 / 1024
    agent.destroy()
    assert.ok(grown < 10, `the heap grew ${grown.toFixed(1)} MB`)
  })
})
