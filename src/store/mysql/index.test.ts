import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { after, describe, it } from 'node:test'
import mysql from 'mysql2'
import { type Pool, createPool } from 'mysql2/promise'
import { type MariadbServer, startMariadb } from '../../../test/support/mariadb-server.js'
import { storeContract } from '../store.case.js'
import { keyBytes, parseCounter, rowsMatched } from './helpers.js'
import { mysqlStore } from './index.js'
import { KEY_BYTES } from './sql.js'

// The machine's server; each run works in a database of its own, dropped at the end.
const SHARED = process.env.WEIR_MYSQL_URI ?? 'mysql://root@127.0.0.1:3306'
const database = `weir_test_${randomBytes(6).toString('hex')}`
// Generous: a loaded machine must not turn a slow answer into a failed test.
const timeout = 5_000
const enc = (s: string) => new TextEncoder().encode(s)
const dec = (b: Uint8Array | undefined) => (b === undefined ? undefined : new TextDecoder().decode(b))
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

let created: Promise<string> | undefined
/** The URI of this run's database on the machine's server, made on first use. */
function shared(): Promise<string> {
  created ??= (async () => {
    const admin = createPool({ uri: SHARED, connectTimeout: 5_000, connectionLimit: 1 })
    try {
      await admin.query(`CREATE DATABASE \`${database}\``)
    } catch (err) {
      throw new Error(`MariaDB/MySQL at ${SHARED} is not reachable (${(err as Error).message}): start it with \`service mariadb start\` (root without a password on 127.0.0.1:3306), or set WEIR_MYSQL_URI`)
    } finally {
      await admin.end()
    }
    return `${SHARED}/${database}`
  })()
  return created
}

after(async () => {
  if (!created) return
  const admin = createPool({ uri: SHARED, connectionLimit: 1 })
  await admin.query(`DROP DATABASE IF EXISTS \`${database}\``).finally(() => admin.end())
})

storeContract('mysql', { make: async (o) => mysqlStore({ uri: await shared(), prefix: `t${randomBytes(4).toString('hex')}:`, timeout, ...o }) })

let privateServer: Promise<MariadbServer> | undefined
const own = (): Promise<MariadbServer> => {
  privateServer ??= startMariadb().then((s) => {
    console.log(`private mariadbd: data directory made in ${s.timings.install} ms, ready in ${s.timings.start} ms`)
    return s
  })
  return privateServer
}
after(async () => (await privateServer?.catch(() => undefined))?.close())

storeContract('mysql (a private server, stopped and restarted)', {
  make: async (o) => mysqlStore({ uri: (await own()).uri, prefix: `t${randomBytes(4).toString('hex')}:`, timeout, ...o }),
  outage: {
    stop: async () => (await own()).stop(),
    start: async () => (await own()).start(),
  },
})

describe('mysqlStore', () => {
  const opened: Pool[] = []
  const pool = async (): Promise<Pool> => {
    const p = createPool({ uri: await shared(), connectionLimit: 2 })
    opened.push(p)
    return p
  }
  after(async () => {
    for (const p of opened) await p.end()
  })

  it('leaves a pool it was given open when closed, promise or callback API', async () => {
    const p = await pool()
    const s = mysqlStore({ pool: p, timeout })
    await s.set('mine', enc('1'))
    await s.close()
    await assert.rejects(s.get('mine'), { code: 'ERR_STORE_CLOSED' })
    const [rows] = await p.query('SELECT 1 AS one')
    assert.deepEqual(rows, [{ one: 1 }])
    const callbacks = mysql.createPool({ uri: await shared(), connectionLimit: 1 })
    opened.push(callbacks.promise())
    const c = mysqlStore({ pool: callbacks, timeout })
    assert.equal(dec(await c.get('mine')), '1')
    await c.close()
    await callbacks.promise().query('SELECT 1')
  })

  it('refuses bad options when made, naming them', () => {
    assert.throws(() => mysqlStore({ table: 'x; DROP TABLE y' }), { name: 'TypeError', message: /table/ })
    assert.throws(() => mysqlStore({ table: 'a'.repeat(65) }), { name: 'TypeError', message: /table/ })
    assert.throws(() => mysqlStore({ sweepInterval: -1 }), { name: 'TypeError', message: /sweepInterval/ })
    assert.throws(() => mysqlStore({ sweepInterval: 1.5 }), { name: 'TypeError', message: /sweepInterval/ })
    assert.throws(() => mysqlStore({ uri: 'http://db' }), { name: 'TypeError', message: /uri/ })
    assert.throws(() => mysqlStore({ uri: 'mysql://db', pool: {} as Pool }), { name: 'TypeError', message: /pool or uri/ })
    assert.throws(() => mysqlStore({ pool: {} as Pool }), { name: 'TypeError', message: /pool/ })
    assert.throws(() => mysqlStore({ connections: 0 }), { name: 'TypeError', message: /connections/ })
    assert.throws(() => mysqlStore({ timeout: 0 }), { name: 'TypeError', message: /timeout/ })
    assert.throws(() => mysqlStore({ maxValueBytes: -1 }), { name: 'TypeError', message: /maxValueBytes/ })
  })

  it('creates its table with the documented schema, in the table named', async () => {
    const p = await pool()
    const s = mysqlStore({ pool: p, table: 'sessions_kv', timeout })
    await s.set('k', enc('v'), 60_000)
    const [cols] = await p.query('SELECT column_name AS c, column_type AS t FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ? ORDER BY ordinal_position', ['sessions_kv'])
    const schema = (cols as { c: string; t: string }[]).map((r) => `${r.c} ${r.t}`).join(', ')
    // MySQL 8 leaves out bigint's display width, MariaDB shows it.
    assert.match(schema, new RegExp(`^k varbinary\\(${KEY_BYTES}\\), v longblob, expires_at bigint(\\(20\\))?$`))
    await s.close()
  })

  it('treats an expired row still in the table as absent: get, touch, compareAndSet and increment', async () => {
    const p = await pool()
    const s = mysqlStore({ pool: p, sweepInterval: 0, timeout, prefix: `x${randomBytes(4).toString('hex')}:` })
    await s.set('cas', enc('old'), 100)
    await s.increment('count', 41, 100)
    await s.set('touch', enc('t'), 100)
    const end = Date.now() + 30_000
    while ((await s.get('cas')) !== undefined || (await s.get('count')) !== undefined || (await s.get('touch')) !== undefined) {
      assert.ok(Date.now() < end, 'the values did not expire within 30 s')
      await sleep(50)
    }
    const [left] = await p.query('SELECT COUNT(*) AS n FROM weir_store WHERE expires_at <= ?', [Date.now()])
    assert.ok((left as { n: number }[])[0]!.n >= 3, 'the expired rows are still there (no sweep)')
    assert.equal(await s.touch('touch', 60_000), false)
    assert.equal(await s.compareAndSet('cas', enc('old'), enc('x')), false)
    assert.equal(await s.compareAndSet('cas', undefined, enc('new'), 60_000), true)
    assert.equal(dec(await s.get('cas')), 'new')
    assert.equal(await s.increment('count', 1, 60_000), 1, 'an expired counter starts again')
    assert.equal(await s.delete('touch'), false)
    await s.close()
  })

  it('sweeps expired rows out of the table in the background', async () => {
    const p = await pool()
    const s = mysqlStore({ pool: p, table: 'swept', sweepInterval: 50, timeout })
    await s.set('gone', enc('1'), 50)
    await s.set('kept', enc('2'))
    const count = async () => ((await p.query('SELECT COUNT(*) AS n FROM swept'))[0] as { n: number }[])[0]!.n
    const end = Date.now() + 30_000
    while ((await count()) > 1) {
      assert.ok(Date.now() < end, 'the expired row was not swept within 30 s')
      await sleep(50)
    }
    assert.equal(dec(await s.get('kept')), '2')
    await s.close()
  })

  it('refuses to increment a value that is not a counter, and leaves it as it was', async () => {
    const s = mysqlStore({ pool: await pool(), timeout })
    await s.set('text', enc('hello'))
    await assert.rejects(s.increment('text'), { name: 'TypeError', message: /counter/ })
    assert.equal(dec(await s.get('text')), 'hello')
    await assert.rejects(s.increment('text', 0.5), { name: 'TypeError' })
    assert.equal(await s.increment('neg', -3), -3)
    await s.close()
  })

  it('keeps long keys apart: each is stored under its own hash, and a hashed key never equals a short one', async () => {
    const s = mysqlStore({ pool: await pool(), timeout })
    const stem = 'é'.repeat(400)
    await s.set(`${stem}a`, enc('a'))
    await s.set(`${stem}b`, enc('b'))
    assert.equal(dec(await s.get(`${stem}a`)), 'a')
    assert.equal(dec(await s.get(`${stem}b`)), 'b')
    await s.close()
  })
})

describe('mysqlStore on a private server', () => {
  it('fails calls to a server that stops answering with 503 ERR_STORE_TIMEOUT, and works again when it resumes', async () => {
    const db = await own()
    const s = mysqlStore({ uri: db.uri, timeout: 3_000 })
    try {
      await s.set('frozen', enc('1'))
      db.pause()
      try {
        await assert.rejects(s.get('frozen'), { status: 503, code: 'ERR_STORE_TIMEOUT' })
      } finally {
        db.resume()
      }
      const end = Date.now() + 30_000
      while (dec(await s.get('frozen').catch(() => undefined)) !== '1') {
        assert.ok(Date.now() < end, 'the store did not answer within 30 s of the server resuming')
        await sleep(50)
      }
    } finally {
      await s.close()
    }
  })
})

describe('weir/store/mysql', () => {
  it('does not load mysql2 when imported, only when a store is made', () => {
    const code = [
      "const { createRequire } = await import('node:module')",
      "const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((k) => k.includes('/node_modules/mysql2/'))",
      "const { mysqlStore } = await import('./src/store/mysql/index.ts')",
      'const before = loaded()',
      'await mysqlStore({ sweepInterval: 0 }).close()',
      'console.log(JSON.stringify([before, loaded()]))',
    ].join('\n')
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8' })
    assert.deepEqual(JSON.parse(out), [false, true])
  })
})

describe('mysql store helpers', () => {
  it('keyBytes: short keys as UTF-8, long ones cut and hashed to exactly the column width', () => {
    const table: [string, number][] = [
      ['', 0],
      ['k', 1],
      ['é', 2],
      ['k'.repeat(KEY_BYTES - 1), KEY_BYTES - 1],
      ['k'.repeat(KEY_BYTES), KEY_BYTES],
      ['日'.repeat(1000), KEY_BYTES],
    ]
    for (const [key, length] of table) assert.equal(keyBytes(key).byteLength, length, `${key.length} chars`)
    assert.notDeepEqual(keyBytes('k'.repeat(KEY_BYTES)), keyBytes(`${'k'.repeat(KEY_BYTES)}k`))
    assert.deepEqual(keyBytes('k'.repeat(600)).subarray(0, 10), Buffer.from('k'.repeat(10)))
  })

  it('rowsMatched reads the info line whatever the client flags, else affectedRows', () => {
    assert.equal(rowsMatched({ affectedRows: 0, info: 'Rows matched: 1  Changed: 0  Warnings: 0' }), 1)
    assert.equal(rowsMatched({ affectedRows: 1, info: '' }), 1)
    assert.equal(rowsMatched({ affectedRows: 0 }), 0)
  })

  it('parseCounter takes decimal safe integers only', () => {
    const table: [string, number | undefined][] = [
      ['0', 0],
      ['42', 42],
      ['-7', -7],
      ['9007199254740991', 9007199254740991],
      ['9999999999999999', undefined],
      ['1e3', undefined],
      [' 1', undefined],
      ['', undefined],
      ['abc', undefined],
    ]
    for (const [text, n] of table) assert.equal(parseCounter(Buffer.from(text)), n, JSON.stringify(text))
    assert.equal(parseCounter(undefined), undefined)
  })
})
