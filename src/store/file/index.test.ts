import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { storeContract } from '../store.case.js'
import { fileStore } from './index.js'

const dirs: string[] = []
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'weir-file-store-'))
  dirs.push(d)
  return d
}
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

storeContract('file', { make: async (o) => fileStore({ dir: tempDir(), ...o }) })

const writer = fileURLToPath(new URL('./fixtures/writer.ts', import.meta.url))

/** Runs the writer fixture; resolves with the child once `ready` matches its output. */
function child(args: string[], ready: RegExp) {
  const proc = spawn(process.execPath, ['--import', 'tsx', writer, ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  const seen = new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`writer did not print ${ready} within 30 s`)), 30_000)
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      if (ready.test(out)) {
        clearTimeout(t)
        resolve()
      }
    })
    proc.once('exit', () => !ready.test(out) && reject(new Error('writer exited early')))
  })
  const exited = new Promise<void>((r) => proc.once('exit', () => r()))
  return { proc, seen, exited }
}

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => e.name)
}

describe('fileStore', () => {
  it('never leaves a torn value after kill -9 mid-write: the old value or the new one, whole', async () => {
    const dir = tempDir()
    for (let round = 0; round < 5; round++) {
      const w = child([dir, 'torn'], new RegExp(`wrote ${3 + round * 2}\\n`))
      await w.seen
      w.proc.kill('SIGKILL')
      await w.exited
      const value = await fileStore({ dir }).get('big')
      assert.ok(value, 'a value is there')
      assert.equal(value.byteLength, 256 * 1024, 'whole')
      assert.ok(value.every((b) => b === value[0]), 'one write, not a mix of two')
    }
  })

  it('increments atomically across processes', async () => {
    const dir = tempDir()
    const a = child([dir, 'count', '100'], /done/)
    const b = child([dir, 'count', '100'], /done/)
    await Promise.all([a.seen, b.seen, a.exited, b.exited])
    assert.equal(new TextDecoder().decode(await fileStore({ dir }).get('counter')), '200')
  })

  it('survives a restart: a new store on the same directory reads what the old one wrote', async () => {
    const dir = tempDir()
    const first = fileStore({ dir })
    await first.set('kept', new TextEncoder().encode('across restarts'), 60_000)
    await first.close()
    assert.equal(new TextDecoder().decode(await fileStore({ dir }).get('kept')), 'across restarts')
  })

  it('sweeps expired entries and leftovers, and keeps the directory under maxEntries', async () => {
    const dir = tempDir()
    const s = fileStore({ dir, sweepInterval: 50, maxEntries: 5 })
    try {
      for (let i = 0; i < 3; i++) await s.set(`short${i}`, new Uint8Array(10), 100)
      for (let i = 0; i < 10; i++) await s.set(`long${i}`, new Uint8Array(10))
      const end = Date.now() + 15_000
      while (files(dir).length > 5 && Date.now() < end) await new Promise((r) => setTimeout(r, 50))
      assert.ok(files(dir).length <= 5, `${files(dir).length} files left`)
      assert.ok(await s.get('long9'), 'the newest entry is kept')
    } finally {
      await s.close()
    }
  })

  it('refuses bad options when made', () => {
    assert.throws(() => fileStore({ dir: tempDir(), maxBytes: 0 }), /maxBytes/)
    assert.throws(() => fileStore({ dir: tempDir(), sweepInterval: -1 }), /sweepInterval/)
    assert.throws(() => fileStore({ dir: tempDir(), staleLock: 0 }), /staleLock/)
  })
})
