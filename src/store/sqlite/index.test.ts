import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { storeContract } from '../store.case.js'
import { openDatabase } from './driver.js'
import { sqliteStore } from './index.js'

const dir = mkdtempSync(join(tmpdir(), 'weir-sqlite-store-'))
after(() => rmSync(dir, { recursive: true, force: true }))
let n = 0
const file = () => join(dir, `store-${n++}.db`)

storeContract('sqlite', { make: async (o) => sqliteStore({ path: file(), ...o }) })

const counter = fileURLToPath(new URL('./fixtures/counter.ts', import.meta.url))
const run = (path: string) =>
  new Promise<string>((resolve, reject) =>
    execFile(process.execPath, ['--import', 'tsx', counter, path, '100'], { timeout: 60_000 }, (err, out) => (err ? reject(err) : resolve(out))),
  )

describe('sqliteStore', () => {
  it('increments atomically across processes sharing the file', async () => {
    const path = file()
    await Promise.all([run(path), run(path)])
    const s = sqliteStore({ path })
    assert.equal(new TextDecoder().decode(await s.get('counter')), '200')
    await s.close()
  })

  it('keeps the data in WAL mode with an expiry index, and survives a restart', async () => {
    const path = file()
    const s = sqliteStore({ path })
    await s.set('kept', new TextEncoder().encode('yes'), 60_000)
    await s.close()
    const again = sqliteStore({ path })
    assert.equal(new TextDecoder().decode(await again.get('kept')), 'yes')
    await again.close()
    const { db } = openDatabase(path, 'auto')
    assert.equal(db.prepare('PRAGMA journal_mode').get()?.journal_mode, 'wal')
    assert.ok(db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'weir_store_exp'").get())
    db.close()
  })

  it('sweeps expired rows', async () => {
    const path = file()
    const s = sqliteStore({ path, sweepInterval: 50 })
    await s.set('short', new Uint8Array(1), 100)
    await s.set('kept', new Uint8Array(1))
    const { db } = openDatabase(path, 'auto')
    const keys = () => db.prepare('SELECT group_concat(k) AS k FROM weir_store').get()?.k
    const end = Date.now() + 15_000
    while (keys() !== 'kept' && Date.now() < end) await new Promise((r) => setTimeout(r, 50))
    assert.equal(keys(), 'kept', 'the expired row is gone from the table, the other stays')
    db.close()
    await s.close()
  })

  it('uses node:sqlite where Node has it, else better-sqlite3', () => {
    const { db, driver } = openDatabase(':memory:', 'auto')
    db.close()
    const builtin = Number(process.versions.node.split('.')[0]) >= 23 || /^22\.(1[3-9]|[2-9]\d)/.test(process.versions.node)
    assert.equal(driver, builtin ? 'node:sqlite' : 'better-sqlite3')
  })

  it('refuses bad options when made', () => {
    assert.throws(() => sqliteStore({ path: ':memory:', table: 'x; drop' }), /table/)
    assert.throws(() => sqliteStore({ path: ':memory:', sweepInterval: 0 }), /sweepInterval/)
  })
})
