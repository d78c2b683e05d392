import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { type RunResult, collectionItems, expectedAssertions, runCollection } from './newman-run.js'

const SERVER = fileURLToPath(new URL('./server.ts', import.meta.url))
const ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres'

/** `server.ts` in its own process on a free port (PORT=0); resolves with the base URL it prints. */
function startServer(env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER], {
    env: { ...process.env, DATABASE_URL: '', SQLITE_FILE: '', ...env, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server.ts printed no URL within 45 s:\n${output}`)), 45_000)
    const read = (chunk: Buffer) => {
      output += chunk
      const url = /RealWorld API on (http:\/\/\S+\/api)/.exec(output)?.[1]
      if (url === undefined) return
      clearTimeout(timer)
      resolve({ url, child })
    }
    child.stdout.on('data', read)
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`server.ts exited with ${code} before listening:\n${output}`))
    })
  })
}

/** SIGTERM (graceful close), then SIGKILL if it has not exited within 15 s. */
async function stopServer(child: ChildProcess | undefined): Promise<void> {
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
  await exited
  clearTimeout(timer)
}

/** The driver maps its UNIQUE violation to a 422 on the right field: register the run's user again. */
async function assertTaken(url: string, user: { USERNAME: string; EMAIL: string; PASSWORD: string }): Promise<void> {
  const again = (username: string, email: string) =>
    fetch(`${url}/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: { username, email, password: user.PASSWORD } }),
    })
  const sameName = await again(user.USERNAME, `other_${user.EMAIL}`)
  assert.equal(sameName.status, 422)
  assert.deepEqual(await sameName.json(), { errors: { username: ['has already been taken'] }, code: 'ERR_TAKEN' })
  const sameEmail = await again(`other_${user.USERNAME}`, user.EMAIL)
  assert.equal(sameEmail.status, 422)
  assert.deepEqual(await sameEmail.json(), { errors: { email: ['has already been taken'] }, code: 'ERR_TAKEN' })
}

function freshUser() {
  const id = randomBytes(6).toString('hex')
  return { USERNAME: `rw_${id}`, EMAIL: `rw_${id}@example.com`, PASSWORD: randomBytes(12).toString('base64url') }
}

/** The run passed, and ran every request and every assertion the collection's scripts hold for these responses. */
function assertComplete(result: RunResult): void {
  assert.deepEqual(result.failures, [], 'no failed assertion or request error')
  assert.equal(result.assertions.failed, 0)
  assert.equal(result.requests.failed, 0)
  const items = collectionItems()
  assert.equal(result.requests.total, items.length, 'every request of the collection ran')
  assert.equal(result.executions.length, items.length)
  let expected = 0
  for (const [i, item] of items.entries()) {
    const execution = result.executions[i]
    assert.equal(execution?.name, item.name, `request ${i} is the collection's`)
    const names = expectedAssertions(item.script, execution.body)
    assert.deepEqual([...execution.assertions].sort(), [...names].sort(), `assertions of "${item.name}"`)
    expected += names.length
  }
  assert.equal(result.assertions.total, expected, 'the assertion count is what the collection holds')
  assert.ok(expected > 200, `a full run has over 200 assertions (got ${expected})`)
}

describe('the official RealWorld Postman collection', () => {
  it('is read in full: 32 requests, and the assertions of the branch each response takes', () => {
    const items = collectionItems()
    assert.equal(items.length, 32)
    const list = items.find((i) => i.name === 'All Articles')?.script ?? ''
    const empty = expectedAssertions(list, { articles: [], articlesCount: 0 })
    assert.deepEqual(empty.sort(), [
      'Response code is 200 OK',
      'Response contains "articles" property',
      'Response contains "articlesCount" property',
      'articlesCount is 0 when feed is empty',
      'articlesCount is an integer',
    ])
    const full = expectedAssertions(list, { articles: [{}], articlesCount: 1 })
    assert.equal(full.length, 17)
    assert.ok(full.includes("Article's \"createdAt\" property is an ISO 8601 timestamp") && !full.includes('articlesCount is 0 when feed is empty'))
    const favorite = items.find((i) => i.name === 'Favorite Article')?.script ?? ''
    assert.ok(expectedAssertions(favorite, {}).includes("Article's 'favorited' property is true"))
  })

  describe('on SQLite', () => {
    const dir = mkdtempSync(join(tmpdir(), 'weir-realworld-'))
    let child: ChildProcess | undefined
    after(async () => {
      await stopServer(child)
      rmSync(dir, { recursive: true, force: true })
    })

    it('passes every assertion, in full, and refuses a taken username or e-mail', async () => {
      const server = await startServer({ SQLITE_FILE: join(dir, 'conduit.db') })
      child = server.child
      await passesSuite('sqlite', server.url)
    })
  })

  describe('on PostgreSQL', () => {
    const database = `realworld_${randomBytes(6).toString('hex')}`
    const admin = new pg.Client({ connectionString: ADMIN_URL })
    let child: ChildProcess | undefined
    before(async () => {
      await admin.connect()
      await admin.query(`CREATE DATABASE ${database}`)
    })
    after(async () => {
      await stopServer(child)
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
      await admin.end()
    })

    it('passes every assertion, in full, and refuses a taken username or e-mail', async () => {
      const server = await startServer({ DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${database}` })
      child = server.child
      await passesSuite('postgres', server.url)
    })
  })
})

/** The official suite against `url`, complete and without a failure; then a taken username or e-mail is refused. */
async function passesSuite(label: string, url: string): Promise<void> {
  const user = freshUser()
  const started = performance.now()
  const result = await runCollection(url, user)
  const ms = Math.round(performance.now() - started)
  assertComplete(result)
  await assertTaken(url, user)
  console.log(`${label}: ${result.requests.total} requests, ${result.assertions.total} assertions, ${result.assertions.failed} failed, newman ${ms} ms`)
}
