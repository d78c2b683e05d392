// Real sockets: files streamed whole, cut off mid-way, and asked with HEAD leave no descriptor open.
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, readdirSync, readlinkSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { serveStatic } from '../../src/middleware/serve-static/index.js'
import { GET, open, raw, start, until } from './helpers.js'

const dir = mkdtempSync(join(tmpdir(), 'weir-files-'))
after(() => rmSync(dir, { recursive: true, force: true }))
const big = randomBytes(8 * 1024 * 1024)
writeFileSync(join(dir, 'big.bin'), big)

/** Open descriptors of this process (Linux); `undefined` elsewhere. */
function fds(): number | undefined {
  try {
    return readdirSync('/proc/self/fd').length
  } catch {
    return undefined
  }
}

/** Open descriptors of this process on `file` (Linux): none unless something has it open right now. */
function fdsOn(file: string): number {
  let n = 0
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === file) n++
    } catch {
      // Closed between the listing and the look (the listing's own descriptor, say).
    }
  }
  return n
}

describe('files over a socket', () => {
  it('streams an 8 MB file intact, with its length', async () => {
    const app = await start((a) => a.get('/big', (c) => c.file(join(dir, 'big.bin'))))
    const res = await fetch(`http://127.0.0.1:${app.port}/big`)
    assert.equal(res.headers.get('content-length'), String(big.length))
    const got = Buffer.from(await res.arrayBuffer())
    assert.equal(createHash('sha256').update(got).digest('hex'), createHash('sha256').update(big).digest('hex'))
  })

  it('a client that leaves mid-file, and HEAD requests, leave no descriptor open', async (t) => {
    if (fds() === undefined) return t.skip('needs /proc/self/fd')
    const file = realpathSync(join(dir, 'big.bin'))
    const app = await start((a) => a.use(serveStatic(dir, { prefix: '/static' })))
    await (await fetch(`http://127.0.0.1:${app.port}/static/big.bin`, { method: 'HEAD' })).text()
    // Taken at once, not after a pause: anything still closing (the file the test before streamed, a module
    // loader's cache file) only raises the baseline; the file itself is counted exactly, down to none.
    const baseline = fds()!
    for (let i = 0; i < 10; i++) {
      const { socket, out } = await open(app.port!, GET('/static/big.bin'))
      await until(() => out.bytes > 256 * 1024)
      socket.destroy()
      await raw(app.port!, 'HEAD /static/big.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 30_000)
    }
    await until(() => fdsOn(file) === 0, 'the file closed after every cut response')
    await until(() => fds()! <= baseline, `descriptors back to ${baseline} (now ${fds()})`)
  })
})
