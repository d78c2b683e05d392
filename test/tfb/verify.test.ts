// The TechEmpower servers of bench/tfb/ against every rule of bench/tfb/verify.mjs, each server started in
// turn on a free port over a fresh database; and the verifier itself, against a server that breaks the rules.
import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { type Server, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createDatabase, dropDatabase } from '../../bench/tfb/setup.mjs'
import { CHECKS, type VerifyContext, expectedFortunes, openContext, verify } from '../../bench/tfb/verify.mjs'

const ROOT = join(import.meta.dirname, '..', '..')
const SERVERS = ['weir', 'raw', 'fastify', 'hono', 'express']
const READY_MS = 30_000
const database = `weir_tfb_test_${randomBytes(6).toString('hex')}`
let databaseUrl = ''

before(async () => {
  databaseUrl = await createDatabase(database)
})
after(async () => {
  await dropDatabase(database)
})

interface Started {
  child: ChildProcess
  port: number
}

/** Starts bench/tfb/servers/<name>.mjs with PORT=0; resolves with the port it prints (`ready <port>`). */
function start(name: string): Promise<Started> {
  const file = join(ROOT, 'bench', 'tfb', 'servers', `${name}.mjs`)
  const env = { ...process.env, PORT: '0', DATABASE_URL: databaseUrl, PG_POOL_SIZE: '4' }
  const child = spawn(process.execPath, [file], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
  return new Promise((resolve, reject) => {
    let out = ''
    let err = ''
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${name}: not ready within ${READY_MS} ms; stderr: ${err.slice(-2000)}`))
    }, READY_MS)
    child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      err += d
    })
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      out += d
      const m = /^ready (\d+)$/m.exec(out)
      if (!m) return
      clearTimeout(timer)
      resolve({ child, port: Number(m[1]) })
    })
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`${name}: exited (${signal ?? code}) before ready; stderr: ${err.slice(-2000)}`))
    })
  })
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
  await exited
  clearTimeout(timer)
}

for (const name of SERVERS) {
  describe(`tfb ${name}`, () => {
    let server: Started | undefined
    let ctx: VerifyContext | undefined

    before(async () => {
      if (name === 'weir') {
        assert.ok(existsSync(join(ROOT, 'dist', 'index.js')), 'bench/tfb/servers/weir.mjs imports dist/: run `npm run build` first')
      }
      server = await start(name)
      ctx = await openContext(`http://127.0.0.1:${server.port}`, databaseUrl)
    })
    after(async () => {
      await ctx?.close()
      if (server) await stop(server.child)
    })

    for (const check of CHECKS) {
      it(check.name, async () => {
        assert.ok(ctx, `${name} did not start`)
        await check.run(ctx)
      })
    }
  })
}

describe('tfb verifier', () => {
  it('computes the fortunes page with the script row escaped and the Japanese row intact', () => {
    const page = expectedFortunes()
    assert.ok(page.includes('<tr><td>11</td><td>&lt;script&gt;alert(&quot;This should not be displayed'))
    assert.ok(page.includes('<tr><td>12</td><td>フレームワークのベンチマーク</td></tr>'))
    assert.ok(page.includes('<tr><td>0</td><td>Additional fortune added at request time.</td></tr>'))
    assert.ok(page.includes("fixes things that aren&#39;t broken."))
    // Sorted by message: the extra row ("Additional…") comes before "After enough…", the Japanese row last.
    assert.ok(page.indexOf('<td>0</td>') < page.indexOf('<td>3</td>'))
    assert.ok(page.endsWith('<tr><td>12</td><td>フレームワークのベンチマーク</td></tr></table></body></html>'))
  })

  it('names the rules a server breaks', async () => {
    const broken = await listen(brokenServer())
    try {
      const port = (broken.address() as AddressInfo).port
      const outcomes = await verify(`http://127.0.0.1:${port}`, databaseUrl, ['json', 'plaintext', 'db', 'queries', 'updates', 'fortunes'])
      const failed = new Map(outcomes.filter((o) => o.error).map((o) => [o.name, o.error]))
      const expect = (name: string, pattern: RegExp) => {
        assert.match(failed.get(name) ?? '(passed)', pattern, name)
      }
      expect('/json answers {"message":"Hello, World!"} as JSON', /no Server header/)
      expect('/plaintext answers "Hello, World!" as text/plain', /Content-Type "text\/html" does not match/)
      expect('the Date header changes from one second to the next', /Date stayed/)
      expect('/db answers one row of the table', /randomNumber 0 is not an integer in 1\.\.10000/)
      expect('/queries?queries=501 answers 500 rows', /501 rows, expected 500/)
      expect('/queries?queries=foo answers 1 row', /status 400/)
      expect('/updates?queries=20 answers 20 rows, written to the table', /the table \d+/)
      expect('/fortunes answers the exact page, sorted and escaped', /differs at character \d+/)
      // What it got right passes.
      assert.equal(failed.get('/plaintext answers 16 pipelined requests'), undefined)
    } finally {
      await new Promise((resolve) => broken.close(resolve))
    }
  })
})

/** A server that breaks one rule per test type (and reads nothing from the database). */
function brokenServer(): Server {
  const date = new Date(Date.UTC(2020, 0, 1)).toUTCString()
  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    res.sendDate = false
    const send = (type: string, body: string, status = 200, server = 'broken') => {
      res.writeHead(status, { server, date, 'content-type': type, 'content-length': Buffer.byteLength(body) })
      res.end(body)
    }
    const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ id: i + 1, randomNumber: 5000 + i }))
    const count = url.searchParams.get('queries') ?? '1'
    switch (url.pathname) {
      case '/json':
        res.writeHead(200, { date, 'content-type': 'application/json' })
        return res.end('{"message":"Hello, World!"}')
      case '/plaintext':
        return send('text/html', 'Hello, World!')
      case '/db':
        return send('application/json', '{"id":1,"randomNumber":0}')
      case '/queries':
      case '/updates': {
        // Answers what was asked, unclamped; refuses what is not a number; writes nothing.
        if (!/^\d*$/.test(count)) return send('application/json', '{"error":"bad"}', 400)
        return send('application/json', JSON.stringify(rows(Number(count) || 1)))
      }
      case '/fortunes':
        return send('text/html; charset=utf-8', '<!DOCTYPE html><html><head><title>Fortunes</title></head><body><table></table></body></html>')
      default:
        return send('text/plain', 'Not Found', 404)
    }
  })
}

function listen(server: Server): Promise<Server> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)))
}
