// Process safety in a real child process: crashes are logged, reported, and answered by a graceful close.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { get, startChild, until } from './child.js'

describe('process safety', () => {
  it('an uncaught exception is logged, reported, and closes gracefully: in-flight work finishes, exit 1', async () => {
    const child = await startChild()
    try {
      // 1 s of work: the crash lands while it runs on any machine, and it still ends well inside the 5 s close timeout.
      const slow = get(child.port, '/work?ms=1000&announce=1')
      await until(() => child.out().includes('entered /work'))
      const crash = await get(child.port, '/crash')
      assert.equal(crash.kind === 'done' && crash.status, 200)
      assert.equal(await child.exited, 1)
      const s = await slow
      assert.equal(s.kind === 'done' && s.status, 200, 'the request in flight finished')
      assert.match(child.out(), /^event process background crash$/m)
      assert.match(child.out(), /closed \{"reason":"uncaughtException"/)
      const line = child.logs().find((l) => l.code === 'ERR_UNCAUGHT_EXCEPTION')!
      assert.equal(line.level, 50)
      assert.equal(line.category, 'process')
      assert.match(String((line.err as { stack: string }).stack), /Error: background crash/)
    } finally {
      child.cleanup()
    }
  })

  it('an unhandled rejection from a handler is logged and reported; the process keeps serving', async () => {
    const child = await startChild()
    try {
      assert.equal((await get(child.port, '/reject')).kind, 'done')
      await until(() => child.out().includes('event process background rejection'))
      // The rejection was handled; answering afterwards is what shows the process kept serving.
      const after = await get(child.port, '/work?ms=1')
      assert.equal(after.kind === 'done' && after.status, 200, 'still serving')
      // The log file is written every 100 ms (lineDestination's flushInterval).
      await until(() => child.logs().some((l) => l.code === 'ERR_UNHANDLED_REJECTION'))
      const line = child.logs().find((l) => l.code === 'ERR_UNHANDLED_REJECTION')!
      assert.deepEqual([line.level, line.category, (line.err as { message: string }).message], [50, 'process', 'background rejection'])
      child.proc.kill('SIGTERM')
      assert.equal(await child.exited, 0)
    } finally {
      child.cleanup()
    }
  })

  it("closeOn: ['recover'] answers the bug, then closes gracefully and exits 1 (seed 4)", async () => {
    const child = await startChild({ CLOSE_ON: 'recover' })
    try {
      const bug = await get(child.port, '/bug')
      assert.ok(bug.kind === 'done' && bug.status === 500)
      assert.deepEqual(JSON.parse(bug.body), { status: 500, code: 'ERR_INTERNAL', message: 'Internal Server Error', requestId: bug.id })
      assert.equal(await child.exited, 1)
      assert.match(child.out(), /^event recover a bug$/m)
      assert.match(child.out(), /closed \{"reason":"recover"/)
      const access = child.logs().find((l) => l.msg === 'http access log')!
      assert.deepEqual([access.status, access.path, access.requestId], [500, '/bug', bug.id])
    } finally {
      child.cleanup()
    }
  })
})
