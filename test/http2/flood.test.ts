// Floods from a misbehaving client (raw frames, python3 h2): Rapid Reset (CVE-2023-44487: HEADERS then
// RST_STREAM, over and over), SETTINGS and PING floods. The flooding connection is ended by the server,
// the process lives, and another session is served all along.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, it } from 'node:test'
import type { App } from '../../src/index.js'
import { client, request, start } from './helpers.js'

const SCRIPT = fileURLToPath(new URL('./fixtures/flood.py', import.meta.url))
// Debian's interpreter, which has python3-h2 (a pyenv shim first on PATH may not).
const PYTHON = process.env.PYTHON_H2 ?? '/usr/bin/python3'

interface FloodResult {
  kind: string
  sent: number
  goaway: number | null
  closed: boolean
}

function flood(port: number, kind: string, count: number): Promise<FloodResult> {
  return new Promise((resolve, reject) => {
    execFile(PYTHON, [SCRIPT, String(port), kind, String(count)], { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`flood.py ${kind}: ${err.message} ${stderr}`))
      else resolve(JSON.parse(stdout.trim().split('\n').pop()!) as FloodResult)
    })
  })
}

describe('HTTP/2 floods', async () => {
  let handled = 0
  const app = await start((a: App) => {
    a.get('/flood', () => {
      handled++
      return 'x'
    })
    a.get('/ok', () => 'ok')
  })

  /** Requests on a well-behaved session while `during` runs; every one must be answered 200. */
  async function servedDuring<T>(during: Promise<T>): Promise<{ result: T; answered: number }> {
    const session = client(app.origin)
    let done = false
    let answered = 0
    const result = during.finally(() => {
      done = true
    })
    while (!done) {
      const res = await request(session, '/ok')
      assert.equal(res.status, 200)
      answered++
      await new Promise((r) => setTimeout(r, 20))
    }
    // And after it.
    assert.equal((await request(session, '/ok')).text, 'ok')
    session.close()
    return { result: await result, answered: answered + 1 }
  }

  it('ends a Rapid Reset connection long before its 20 000 streams reach the app', async () => {
    handled = 0
    const { result, answered } = await servedDuring(flood(app.port!, 'rapid-reset', 20_000))
    assert.equal(result.closed, true, 'the server should end the flooding connection')
    assert.ok(handled < 10_000, `${handled} reset streams reached the app`)
    assert.ok(answered >= 1)
  })

  it('ends a SETTINGS flood connection', async () => {
    const { result } = await servedDuring(flood(app.port!, 'settings', 20_000))
    assert.equal(result.closed, true)
  })

  it('ends a PING flood connection', async () => {
    const { result } = await servedDuring(flood(app.port!, 'ping', 50_000))
    assert.equal(result.closed, true)
  })

  it('advertises the default limits: 100 concurrent streams, a 16 KiB header list', async () => {
    const session = client(app.origin)
    await request(session, '/ok')
    assert.equal(session.remoteSettings.maxConcurrentStreams, 100)
    assert.equal(session.remoteSettings.maxHeaderListSize, 16 * 1024)
  })
})
