// The session concurrency contract on every store that shares data: 100 concurrent increments end at 100.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after } from 'node:test'
import { createPool } from 'mysql2/promise'
import { startEtcd } from '../../../test/support/etcd-server.js'
import { startMemcached } from '../../../test/support/memcached-server.js'
import { etcdStore } from '../../store/etcd/index.js'
import { fileStore } from '../../store/file/index.js'
import { memcachedStore } from '../../store/memcached/index.js'
import { mysqlStore } from '../../store/mysql/index.js'
import { redisStore } from '../../store/redis/index.js'
import { sqliteStore } from '../../store/sqlite/index.js'
import { sessionConcurrency } from './session.case.js'

const run = randomBytes(6).toString('hex')
const dir = mkdtempSync(join(tmpdir(), 'weir-session-stores-'))
const cleanups: Array<() => Promise<unknown> | unknown> = [() => rmSync(dir, { recursive: true, force: true })]
after(async () => {
  for (const c of cleanups.reverse()) await c()
})

// Generous retries: 100 writers of one session on one key collide a lot on a networked store.
sessionConcurrency('file', async () => fileStore({ dir: join(dir, 'file') }))
sessionConcurrency('sqlite', async () => sqliteStore({ path: join(dir, 'sessions.db') }))
sessionConcurrency('redis', async () => {
  const store = redisStore({ prefix: `weir-test:session:${run}:` })
  cleanups.push(async () => {
    const { Redis } = await import('ioredis')
    const r = new Redis()
    const keys = await r.keys(`weir-test:session:${run}:*`)
    if (keys.length > 0) await r.del(...keys)
    await r.quit()
  })
  return store
})
sessionConcurrency('mysql', async () => {
  const database = `weir_test_session_${run}`
  const admin = createPool({ uri: 'mysql://root@127.0.0.1:3306/mysql', connectionLimit: 1 })
  await admin.query(`CREATE DATABASE \`${database}\``)
  cleanups.push(async () => {
    await admin.query(`DROP DATABASE IF EXISTS \`${database}\``)
    await admin.end()
  })
  return mysqlStore({ uri: `mysql://root@127.0.0.1:3306/${database}` })
})
sessionConcurrency('memcached', async () => {
  const server = await startMemcached()
  cleanups.push(() => server.close())
  return memcachedStore({ servers: server.servers })
})
sessionConcurrency('etcd', async () => {
  const server = await startEtcd()
  cleanups.push(() => server.close())
  return etcdStore({ hosts: server.hosts, prefix: 'sessions/' })
})
