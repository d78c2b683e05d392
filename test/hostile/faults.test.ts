// Faults in handlers against the idiomatic app: sync throws and async rejections answered 500 without the
// message (release mode), and a background unhandled rejection that must not kill the process — that one
// in a real child process (test/hostile/server.ts), since it is about the process itself.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import { startChild, until } from '../lifecycle/child.js'
import { THROWN_SECRET } from './app.js'
import { type Hostile, answered, assertHealthy, exchange, startHostile, statusOf } from './helpers.js'

const T = { timeout: 60_000 }

let h: Hostile
before(async () => {
  h = await startHostile()
})
after(() => h.close())

describe('hostile: handler faults (release mode)', () => {
  for (const path of ['/fail/sync', '/fail/async']) {
    for (const accept of ['application/json', 'text/html']) {
      it(`${path} (Accept: ${accept}) → 500 ERR_INTERNAL, the message and stack never sent`, T, async () => {
        const r = await exchange(h.port, `GET ${path} HTTP/1.1\r\nHost: x\r\nAccept: ${accept}\r\n\r\n`, 20_000, 0, answered)
        assert.equal(statusOf(r.text), 500, r.text.slice(0, 300))
        assert.match(r.text, /ERR_INTERNAL/)
        assert.ok(!r.text.includes(THROWN_SECRET), 'the error message leaked')
        assert.doesNotMatch(r.text, /at .*\.ts:\d+|stack/i, 'a stack leaked')
        assert.doesNotMatch(r.text, /connection: close/i, 'the connection stays usable')
      })
    }
  }

  it('each fault is logged with its message and reported as a bug (category recover)', T, async () => {
    const logged = h.errors.filter((l) => JSON.stringify(l).includes(THROWN_SECRET))
    assert.ok(logged.length >= 4, `${logged.length} error lines carry the message`)
    assert.equal(h.events.filter((e) => e.category === 'recover' && e.message === THROWN_SECRET).length, 4)
  })
})

/** One raw GET to the child: status and body. */
async function ask(port: number, path: string): Promise<{ status: number; body: string }> {
  const r = await exchange(port, `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`, 20_000, 0, answered)
  return { status: statusOf(r.text), body: r.text.slice(r.text.indexOf('\r\n\r\n') + 4) }
}

/** The child's RSS in MB from /proc (Linux), or undefined elsewhere. */
function rssMb(pid: number): number | undefined {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]
    return kb === undefined ? undefined : Number(kb) / 1024
  } catch {
    return undefined
  }
}

describe('hostile: a background unhandled rejection (child process)', () => {
  it('with listen({ safety: true }) the process lives: logged, reported, still answering', T, async () => {
    const child = await startChild({}, 'test/hostile/server.ts')
    try {
      assert.deepEqual(await ask(child.port, '/bg-reject'), { status: 200, body: '{"scheduled":true}' })
      await until(() => child.out().includes('event process bg'))
      for (let i = 0; i < 20; i++) assert.equal((await ask(child.port, '/bg-reject')).status, 200)
      await until(() => child.out().split('event process bg').length - 1 === 21)
      // Answering after all 21 rejections were handled is what shows it alive (a dead one answers nothing).
      assert.deepEqual(await ask(child.port, '/hello'), { status: 200, body: '{"hello":"world"}' })
      assert.equal(child.proc.exitCode, null, 'the process is alive')
      // The pino file destination flushes every 100 ms.
      await until(() => child.logs().filter((l) => l.code === 'ERR_UNHANDLED_REJECTION').length === 21)
      const line = child.logs().find((l) => l.code === 'ERR_UNHANDLED_REJECTION')!
      assert.deepEqual([line.level, line.category, (line.err as { message: string }).message], [50, 'process', 'bg'])
      const rss = rssMb(child.proc.pid!)
      if (rss !== undefined) assert.ok(rss < 300, `child RSS ${rss.toFixed(0)} MB`)
      child.proc.kill('SIGTERM')
      assert.equal(await child.exited, 0, 'and it still closes gracefully on SIGTERM')
    } finally {
      child.cleanup()
    }
  })

  it('without safety the same rejection kills the process (the control case: Node’s default)', T, async () => {
    const child = await startChild({ SAFETY: 'off' }, 'test/hostile/server.ts')
    try {
      assert.equal((await ask(child.port, '/bg-reject')).status, 200)
      assert.equal(await child.exited, 1)
    } finally {
      child.cleanup()
    }
  })
})

describe('hostile: faults — afterwards', () => {
  it('the server still answers /hello and its RSS is sane', T, async () => {
    await assertHealthy(h)
  })
})
