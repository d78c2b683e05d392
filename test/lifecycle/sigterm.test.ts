// SIGTERM to a real child process under keep-alive load: every request the server accepted completes.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { Agent, request as httpRequest } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { type Outcome, get, sleep, startChild, until } from './child.js'

describe('graceful close from the outside', () => {
  it('SIGTERM under load: zero accepted requests lost, streams finish, exit 0', async (t) => {
    const child = await startChild({ CLOSE_TIMEOUT: '5000' })
    const agent = new Agent({ keepAlive: true, maxSockets: 24 })
    const outcomes: Outcome[] = []
    let stop = false
    let signalled = false
    let afterSignal = 0
    const worker = async (i: number) => {
      while (!stop) {
        const path = i % 4 === 0 ? '/stream' : `/work?ms=${20 + (i % 5) * 20}`
        const o = await get(child.port, path, agent)
        outcomes.push(o)
        if (signalled) afterSignal++
        // Once the port refuses connections, the server is gone for new clients: stop this worker.
        if (o.kind === 'refused' && signalled) return
      }
    }
    try {
      const workers = Array.from({ length: 24 }, (_, i) => worker(i))
      await until(() => outcomes.length >= 150, 30_000)
      child.proc.kill('SIGTERM')
      signalled = true
      const code = await child.exited
      stop = true
      await Promise.all(workers)

      assert.equal(code, 0, 'exit code')
      const closed = JSON.parse(/closed (\{.*\})/.exec(child.out())![1]!) as { reason: string; entered: number; inflightAtSignal: number }
      assert.equal(closed.reason, 'SIGTERM')
      assert.ok(closed.inflightAtSignal > 0, `requests were in flight at SIGTERM (${closed.inflightAtSignal})`)

      const broken = outcomes.filter((o) => o.kind === 'broken')
      assert.deepEqual(broken, [], 'no response that started was cut')
      const served = outcomes.filter((o): o is Extract<Outcome, { kind: 'done' }> => o.kind === 'done' && o.status === 200)
      const streams = served.filter((o) => o.body.startsWith('chunk'))
      assert.ok(streams.length > 0 && streams.every((o) => o.body === 'chunk 0\nchunk 1\nchunk 2\nchunk 3\nchunk 4\n'), 'streams are whole')
      assert.equal(served.length, closed.entered, 'every request the server accepted was answered in full')
      const others = outcomes.filter((o) => !(o.kind === 'done' && o.status === 200))
      for (const o of others) {
        // Refused connections and 503s on a closing keep-alive connection were never accepted: the client may retry.
        assert.ok(o.kind === 'refused' || (o.kind === 'done' && o.status === 503), `unexpected outcome ${JSON.stringify(o)}`)
      }

      // The access log, flushed before exit: one line per accepted request, none aborted, ids matching the clients'.
      const access = child.logs().filter((l) => l.msg === 'http access log')
      assert.equal(access.length, closed.entered)
      assert.ok(access.every((l) => l.status === 200 && l.aborted === undefined))
      assert.deepEqual(new Set(access.map((l) => l.requestId)), new Set(served.map((o) => o.id)))
      assert.ok(afterSignal > 0)
      const refused = others.filter((o) => o.kind === 'refused').length
      t.diagnostic(`served ${served.length} (${streams.length} streams), in flight at SIGTERM ${closed.inflightAtSignal}, 503 ${others.length - refused}, refused ${refused}`)
    } finally {
      stop = true
      agent.destroy()
      child.cleanup()
    }
  })

  it('a second SIGTERM while closing exits at once, with 1', async () => {
    // Work and close timeout far longer than the test: only the second signal can end it.
    const child = await startChild({ CLOSE_TIMEOUT: '60000' })
    try {
      const slow = get(child.port, '/work?ms=30000&announce=1')
      await until(() => child.out().includes('entered /work'))
      child.proc.kill('SIGTERM')
      // Two signals sent back to back may arrive as one: wait until the first has started the close (a
      // new connection is refused, or a kept-alive one hears 503) before sending the second.
      for (let closing = false; !closing; ) {
        const probe = await get(child.port, '/readyz')
        closing = probe.kind === 'refused' || (probe.kind === 'done' && probe.status === 503)
        if (!closing) await sleep(10)
      }
      assert.equal(child.proc.exitCode, null, 'still closing: the slow request has 60 s')
      child.proc.kill('SIGTERM')
      assert.equal(await child.exited, 1)
      assert.notEqual((await slow).kind, 'done', 'the forced exit cut the slow request')
    } finally {
      child.cleanup()
    }
  })

  it('at the close timeout, cut streams are torn down before exit: finally ran, signal fired, log lines written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weir-tail-'))
    const file = join(dir, 'app.log')
    writeFileSync(file, 'boot ok\nERROR first\n')
    const child = await startChild({ CLOSE_TIMEOUT: '1000', TAIL_FILE: file })
    try {
      const reqs = ['/ticks', '/tail?match=ERROR'].map(
        (path) =>
          new Promise<void>((resolve, reject) => {
            const req = httpRequest({ host: '127.0.0.1', port: child.port, path }, (res) => {
              res.once('data', () => resolve())
              res.on('error', () => {})
            })
            req.on('error', () => {})
            req.end()
            setTimeout(() => reject(new Error(`no first chunk from ${path}`)), 10_000).unref()
          }),
      )
      await Promise.all(reqs)
      const pid = Number(/tail pid (\d+)/.exec(child.out())![1])
      assert.equal(await child.stop('SIGTERM', 20_000), 0)
      const out = child.out()
      assert.match(out, /finally \/ticks/, 'the generator was returned')
      assert.match(out, /aborted \/tail/, 'c.req.signal fired for the cut request')
      const access = child.logs().filter((l) => l.msg === 'http access log')
      assert.deepEqual(access.map((l) => [l.path, l.aborted]).sort(), [['/tail', true], ['/ticks', true]])
      // The handler killed its child when the signal fired; the kill lands asynchronously, so wait for it.
      await until(() => !alive(pid), 20_000)
    } finally {
      child.cleanup()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

/** Whether a process runs: gone, or dead and waiting to be reaped (a zombie whose parent exited), is not. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return false
  }
}
