import { spawn } from 'node:child_process'
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { createApp } from '../../index.js'
import { requestId } from '../request-id/index.js'
import { createLogger, lineDestination, logBody, prettyLine } from './index.js'

type Line = Record<string, unknown>

/** Waits until `cond()` holds. The 30 s bound only keeps a broken test from hanging; no test asserts how fast. */
async function until(cond: () => boolean, what = 'condition', ms = 30_000): Promise<void> {
  const end = performance.now() + ms
  while (!cond()) {
    if (performance.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

function capturing() {
  const lines: Line[] = []
  const log = createLogger({ level: 'debug', mode: 'test', destination: { write: (s: string) => void lines.push(JSON.parse(s)) } })
  return { app: createApp({ mode: 'test', logger: log }), lines }
}

describe('createLogger', () => {
  const dir = mkdtempSync(join(tmpdir(), 'weir-log-'))
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('redacts secrets by default and keeps the rest', () => {
    const lines: Line[] = []
    const log = createLogger({ mode: 'release', destination: { write: (s: string) => void lines.push(JSON.parse(s)) }, redact: ['user.ssn'] })
    log.info({ password: 'p', headers: { authorization: 'Bearer x', cookie: 'c', accept: '*/*' }, user: { ssn: '1', name: 'n' } }, 'm')
    assert.deepEqual(lines[0]!.headers, { authorization: '[Redacted]', cookie: '[Redacted]', accept: '*/*' })
    assert.equal(lines[0]!.password, '[Redacted]')
    assert.deepEqual(lines[0]!.user, { ssn: '[Redacted]', name: 'n' })
  })

  it('picks the level from the mode, and refuses an unknown level', () => {
    assert.equal(createLogger({ mode: 'debug', destination: { write() {} } }).level, 'debug')
    assert.equal(createLogger({ mode: 'release', destination: { write() {} } }).level, 'info')
    assert.equal(createLogger({ mode: 'test', destination: { write() {} } }).level, 'error')
    assert.throws(() => createLogger({ level: 'loud' as never }), TypeError)
    assert.throws(() => createLogger({ destination: 42n as never }), TypeError)
  })

  it('writes to a file path', () => {
    const file = join(dir, 'sync.log')
    const log = createLogger({ mode: 'release', destination: file, sync: true })
    log.info({ a: 1 }, 'to file')
    const l = JSON.parse(readFileSync(file, 'utf8').trim()) as Line
    assert.deepEqual([l.msg, l.a, l.level], ['to file', 1, 30])
  })

  it('lineDestination buffers lines: written after flushInterval, at bufferSize, or at once when sync', async () => {
    const file = join(dir, 'nested', 'dir', 'lines.log')
    const read = () => {
      try {
        return readFileSync(file, 'utf8')
      } catch {
        return ''
      }
    }
    const d = lineDestination(file, { flushInterval: 30, bufferSize: 20 })
    d.write('a\n')
    assert.equal(read(), '', 'buffered')
    await until(() => read() === 'a\n', 'the buffered line written after flushInterval')
    d.write('b'.repeat(25))
    assert.equal(read().length, 27, 'over bufferSize: written at once')
    const s = lineDestination(file, { sync: true })
    s.write('c\n')
    assert.ok(read().endsWith('c\n'))
    d.end()
    s.end()
    assert.throws(() => lineDestination(file, { flushInterval: -1 }), TypeError)
  })

  it('lineDestination gives up on a pipe nobody reads after stallLimit instead of freezing the process', async () => {
    // A child that never reads its stdin: once the pipe (64 KiB) is full, every write is EAGAIN. It lives
    // far longer than the test may take (and is killed at its end): a write that waited for the pipe to be
    // read, or closed, would take that long, one that gives up after stallLimit returns long before.
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 600_000)'], { stdio: ['pipe', 'ignore', 'ignore'] })
    try {
      const fd = (child.stdin as unknown as { _handle: { fd: number } })._handle.fd
      const d = lineDestination(fd, { sync: true, stallLimit: 150 })
      const t = performance.now()
      d.write('x'.repeat(1 << 20))
      const stalled = performance.now() - t
      // At least stallLimit (it did wait the pipe out); the upper bound is no speed claim, only "well before
      // the reader would have gone away" — a slow machine cannot come near it.
      assert.ok(stalled >= 150 && stalled < 300_000, `gave up after ${stalled.toFixed(0)} ms`)
      d.write('y\n') // still usable: waits out the pipe once more, then drops again
    } finally {
      child.kill('SIGKILL')
    }
  })

  it('writes through a pino transport (pino/file here; pino-elasticsearch the same way)', async () => {
    const file = join(dir, 'transport.log')
    const log = createLogger({ mode: 'release', transport: { target: 'pino/file', options: { destination: file } } })
    log.info({ via: 'transport' }, 'hello')
    await until(() => {
      try {
        return readFileSync(file, 'utf8').includes('"via":"transport"')
      } catch {
        return false
      }
    }, 'the line written through the transport')
  })

  it('c.log is a child carrying requestId; error lines of the app carry it too', async () => {
    const { app, lines } = capturing()
    app.use(requestId({ generate: () => 'r-77' }))
    app.get('/', (c) => {
      c.log.info({ step: 1 }, 'inside')
      throw new Error('boom')
    })
    await (await app.request('/')).arrayBuffer()
    const inside = lines.find((l) => l.msg === 'inside')!
    const boom = lines.find((l) => l.msg === 'boom')!
    assert.deepEqual([inside.requestId, inside.step], ['r-77', 1])
    assert.equal(boom.requestId, 'r-77')
    assert.equal((boom.err as Line).message, 'boom')
  })

  it('pretty output is a small built-in printer', () => {
    const s = prettyLine('{"level":40,"time":0,"msg":"careful","requestId":"r1","n":2,"err":{"stack":"Error: x\\n    at y"}}')
    assert.equal(s, '00:00:00.000 WARN  careful requestId=r1 n=2\n    Error: x\n        at y\n')
    assert.equal(prettyLine('not json\n'), 'not json\n')
  })

  it('logBody marks binary and redacts urlencoded secrets', () => {
    assert.equal(logBody(new Uint8Array([1, 0, 2]), 100), '[binary 3 bytes]')
    assert.equal(logBody('user=a&password=b&token=c', 100), 'user=a&password=[Redacted]&token=[Redacted]')
    assert.equal(logBody('{"a":{"Api-Key":"k","__proto__":{"x":1}}}', 100), '{"a":{"Api-Key":"[Redacted]","__proto__":{"x":1}}}')
  })
})
