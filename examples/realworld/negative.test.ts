import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import pg from 'pg'
import { type App, type ErrorCategory, consoleLogger } from '../../src/index.js'
import { buildApp } from './app.js'
import { createTokens } from './auth/token.js'
import { type Database, openDatabase } from './db/index.js'

const secret = randomBytes(32).toString('base64url')

/** A fresh, empty database of one kind, and how to remove it afterwards. */
interface Backend {
  name: string
  open(): Promise<Database>
  drop(): Promise<void>
}

function sqlite(): Backend {
  const dir = mkdtempSync(join(tmpdir(), 'weir-realworld-neg-'))
  return {
    name: 'SQLite',
    open: () => openDatabase({ file: join(dir, 'conduit.db') }),
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  }
}

function postgres(): Backend {
  const name = `realworld_${randomBytes(6).toString('hex')}`
  const admin = () => new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' })
  const once = async (sql: string) => {
    const client = admin()
    await client.connect()
    try {
      await client.query(sql)
    } finally {
      await client.end()
    }
  }
  return {
    name: 'PostgreSQL',
    open: async () => {
      await once(`CREATE DATABASE ${name}`)
      return openDatabase({ url: `postgres://postgres@127.0.0.1:5432/${name}` })
    },
    drop: () => once(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  }
}

// The cases run on each database in turn (one suite after the other), against these two.
let db: Database
let app: App

for (const backend of [sqlite(), postgres()]) {
  describe(`RealWorld API negative cases on ${backend.name}`, () => {
    before(async () => {
      db = await backend.open()
      app = buildApp({ db, secret, mode: 'test' })
    })
    after(async () => {
      await db?.close()
      await backend.drop()
    })
    cases()
  })
}

interface Answer {
  status: number
  headers: Headers
  body: Record<string, unknown> & { errors?: Record<string, string[]>; code?: string }
}

/** One request through the whole app, in memory. */
async function call(method: string, path: string, options: { token?: string; auth?: string; body?: unknown; raw?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = {}
  if (options.token !== undefined) headers.authorization = `Token ${options.token}`
  if (options.auth !== undefined) headers.authorization = options.auth
  const body = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body))
  if (body !== undefined) headers['content-type'] = 'application/json'
  const res = await app.request(`/api${path}`, { method, headers, body })
  const text = await res.text()
  return { status: res.status, headers: res.headers, body: text === '' ? {} : JSON.parse(text) }
}

/** Asserts an error answer: its status, code, and the spec's shape with the field (or `body`) named. */
function assertError(answer: Answer, status: number, code: string, field = 'body'): void {
  assert.equal(answer.status, status, JSON.stringify(answer.body))
  assert.equal(answer.body.code, code)
  const messages = answer.body.errors?.[field]
  assert.ok(Array.isArray(messages) && messages.length > 0 && messages.every((m) => typeof m === 'string' && m !== ''), `errors.${field}: ${JSON.stringify(answer.body)}`)
}

let n = 0
/** A new registered user: name, e-mail and token. */
async function register(): Promise<{ username: string; email: string; token: string }> {
  const username = `user${++n}_${randomBytes(3).toString('hex')}`
  const email = `${username}@example.com`
  const res = await call('POST', '/users', { body: { user: { username, email, password: 'password-1' } } })
  assert.equal(res.status, 201)
  return { username, email, token: (res.body.user as { token: string }).token }
}

async function createArticle(token: string, title = 'A title'): Promise<string> {
  const res = await call('POST', '/articles', { token, body: { article: { title, description: 'd', body: 'b', tagList: ['x'] } } })
  assert.equal(res.status, 201)
  return (res.body.article as { slug: string }).slug
}

function cases(): void {
  describe('refused tokens are 401', () => {
    it('asks for a token where one is required', async () => {
      for (const [method, path] of [['GET', '/user'], ['PUT', '/user'], ['GET', '/articles/feed'], ['POST', '/articles'], ['POST', '/profiles/x/follow']]) {
        const res = await call(method as string, path as string, { body: { user: { bio: 'x' } } })
        assertError(res, 401, 'ERR_AUTH_REQUIRED')
        assert.equal(res.headers.get('www-authenticate'), 'Token')
      }
    })

    it('refuses garbage, another scheme, a forged signature, a tampered payload and alg "none"', async () => {
      const { token } = await register()
      const [header, payload, signature] = token.split('.') as [string, string, string]
      const otherSecret = createTokens(randomBytes(32).toString('base64url'), 3600).sign(1)
      const tampered = Buffer.from(JSON.stringify({ sub: '2', iat: 1, exp: 4_000_000_000 })).toString('base64url')
      const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')
      const refused = [
        'Token garbage',
        'Token a.b.c',
        `Bearer ${token}`,
        `Token ${token}x`,
        `Token ${otherSecret}`,
        `Token ${header}.${tampered}.${signature}`,
        `Token ${none}.${payload}.`,
        `Token ${token}.${signature}`,
      ]
      for (const auth of refused) assertError(await call('GET', '/user', { auth }), 401, 'ERR_TOKEN_INVALID')
      assert.equal((await call('GET', '/user', { token })).status, 200, 'the real token still works')
      assert.equal((await call('GET', '/user', { auth: `token ${token}` })).status, 200, 'the scheme is case-insensitive')
    })

    it('refuses an expired token with its own code', async () => {
      const { token } = await register()
      const userId = JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()).sub as string
      const expired = createTokens(secret, 60, () => Date.now() - 3_600_000).sign(Number(userId))
      const res = await call('GET', '/user', { token: expired })
      assertError(res, 401, 'ERR_TOKEN_EXPIRED')
      assert.match(res.body.errors?.body?.[0] ?? '', /expired/)
    })

    it('refuses a bad token on routes where auth is optional too, rather than answering anonymously', async () => {
      assertError(await call('GET', '/articles', { token: 'a.b.c' }), 401, 'ERR_TOKEN_INVALID')
      assert.equal((await call('GET', '/articles')).status, 200)
    })

    it('refuses a wrong password and an unknown e-mail alike', async () => {
      const { email } = await register()
      const wrong = await call('POST', '/users/login', { body: { user: { email, password: 'not-the-password' } } })
      const unknown = await call('POST', '/users/login', { body: { user: { email: 'nobody@example.com', password: 'password-1' } } })
      assertError(wrong, 401, 'ERR_LOGIN_FAILED', 'email or password')
      assert.deepEqual(unknown.body, wrong.body)
    })
  })

  describe('only the author changes an article or a comment (403)', () => {
    it("refuses to update or delete someone else's article, and leaves it as it was", async () => {
      const author = await register()
      const other = await register()
      const slug = await createArticle(author.token, 'Mine')
      assertError(await call('PUT', `/articles/${slug}`, { token: other.token, body: { article: { body: 'changed' } } }), 403, 'ERR_NOT_AUTHOR')
      assertError(await call('DELETE', `/articles/${slug}`, { token: other.token }), 403, 'ERR_NOT_AUTHOR')
      const article = (await call('GET', `/articles/${slug}`)).body.article as { body: string }
      assert.equal(article.body, 'b')
      assert.equal((await call('DELETE', `/articles/${slug}`, { token: author.token })).status, 204)
      assertError(await call('GET', `/articles/${slug}`), 404, 'ERR_ARTICLE_NOT_FOUND')
    })

    it("refuses to delete someone else's comment, even the article author's", async () => {
      const author = await register()
      const commenter = await register()
      const slug = await createArticle(author.token)
      const created = await call('POST', `/articles/${slug}/comments`, { token: commenter.token, body: { comment: { body: 'hello' } } })
      assert.equal(created.status, 200)
      const id = (created.body.comment as { id: number }).id
      assertError(await call('DELETE', `/articles/${slug}/comments/${id}`, { token: author.token }), 403, 'ERR_NOT_AUTHOR')
      assert.equal(((await call('GET', `/articles/${slug}/comments`)).body.comments as unknown[]).length, 1)
      assert.equal((await call('DELETE', `/articles/${slug}/comments/${id}`, { token: commenter.token })).status, 204)
      assert.equal(((await call('GET', `/articles/${slug}/comments`)).body.comments as unknown[]).length, 0)
    })
  })

  describe('invalid input is 422, per field', () => {
    it('refuses a taken username or e-mail (e-mails compared in lower case)', async () => {
      const taken = await register()
      const sameName = await call('POST', '/users', { body: { user: { username: taken.username, email: 'fresh@example.com', password: 'password-1' } } })
      assertError(sameName, 422, 'ERR_TAKEN', 'username')
      const sameEmail = await call('POST', '/users', { body: { user: { username: 'fresh_name', email: taken.email.toUpperCase(), password: 'password-1' } } })
      assertError(sameEmail, 422, 'ERR_TAKEN', 'email')
      const other = await register()
      assertError(await call('PUT', '/user', { token: other.token, body: { user: { username: taken.username } } }), 422, 'ERR_TAKEN', 'username')
    })

    it("logs a taken username as the client's error (debug, http), not as a bug", async () => {
      const taken = await register()
      const lines: Array<{ level: number; msg: string }> = []
      const events: ErrorCategory[] = []
      const watched = buildApp({ db, secret, mode: 'test', logger: consoleLogger('debug', (l) => lines.push(JSON.parse(l))) })
      watched.onEvent('error', (_err, _c, category) => events.push(category))
      const user = { username: taken.username, email: `again_${taken.email}`, password: 'password-1' }
      const res = await watched.request('/api/users', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user }) })
      assert.equal(res.status, 422)
      assert.deepEqual(await res.json(), { errors: { username: ['has already been taken'] }, code: 'ERR_TAKEN' })
      assert.deepEqual(events, ['http'])
      assert.deepEqual(lines.filter((l) => l.level >= 50), [])
      assert.ok(lines.some((l) => l.level === 20 && l.msg === 'username is already taken'), JSON.stringify(lines))
    })

    it('names every missing field of a registration', async () => {
      const res = await call('POST', '/users', { body: { user: {} } })
      assert.equal(res.status, 422)
      assert.deepEqual(Object.keys(res.body.errors ?? {}).sort(), ['email', 'password', 'username'])
      assertError(await call('POST', '/users', {}), 422, 'ERR_VALIDATION', 'body')
      assertError(await call('POST', '/users', { body: { user: { username: 'a b', email: 'x@example.com', password: 'password-1' } } }), 422, 'ERR_VALIDATION', 'username')
      assertError(await call('POST', '/users', { body: { user: { username: 'ab', email: 'not-an-email', password: 'password-1' } } }), 422, 'ERR_VALIDATION', 'email')
      assertError(await call('POST', '/users', { body: { user: { username: 'ab', email: 'ab@example.com', password: 'short' } } }), 422, 'ERR_VALIDATION', 'password')
    })

    it('refuses articles, comments, logins and updates without their required fields', async () => {
      const { token, username } = await register()
      const slug = await createArticle(token)
      assertError(await call('POST', '/articles', { token, body: { article: { description: 'd', body: 'b' } } }), 422, 'ERR_VALIDATION', 'title')
      assertError(await call('POST', '/articles', { token, body: { article: { title: '   ', description: 'd', body: 'b' } } }), 422, 'ERR_VALIDATION', 'title')
      assertError(await call('POST', '/articles', { token, body: { article: { title: 't', description: 'd', body: 'b', tagList: 'x' } } }), 422, 'ERR_VALIDATION', 'tagList')
      assertError(await call('PUT', `/articles/${slug}`, { token, body: { article: {} } }), 422, 'ERR_VALIDATION', 'article')
      assertError(await call('POST', `/articles/${slug}/comments`, { token, body: { comment: {} } }), 422, 'ERR_VALIDATION', 'body')
      assertError(await call('POST', '/users/login', { body: { user: { email: 'a@example.com' } } }), 422, 'ERR_VALIDATION', 'password')
      assertError(await call('PUT', '/user', { token, body: { user: {} } }), 422, 'ERR_VALIDATION', 'user')
      assertError(await call('PUT', '/user', { token, body: { user: { image: 'not a url' } } }), 422, 'ERR_VALIDATION', 'image')
      assertError(await call('POST', `/profiles/${username}/follow`, { token }), 422, 'ERR_FOLLOW_SELF', 'username')
    })

    it('answers a body that is not JSON with 400 in the same shape', async () => {
      assertError(await call('POST', '/users', { raw: '{"user":' }), 400, 'ERR_BODY_INVALID_JSON')
    })
  })

  describe('what does not exist is 404', () => {
    it('answers an unknown slug on every article route', async () => {
      const { token } = await register()
      const slug = 'no-such-article'
      assertError(await call('GET', `/articles/${slug}`), 404, 'ERR_ARTICLE_NOT_FOUND')
      assertError(await call('PUT', `/articles/${slug}`, { token, body: { article: { body: 'x' } } }), 404, 'ERR_ARTICLE_NOT_FOUND')
      assertError(await call('DELETE', `/articles/${slug}`, { token }), 404, 'ERR_ARTICLE_NOT_FOUND')
      assertError(await call('POST', `/articles/${slug}/favorite`, { token }), 404, 'ERR_ARTICLE_NOT_FOUND')
      assertError(await call('GET', `/articles/${slug}/comments`), 404, 'ERR_ARTICLE_NOT_FOUND')
      assertError(await call('POST', `/articles/${slug}/comments`, { token, body: { comment: { body: 'x' } } }), 404, 'ERR_ARTICLE_NOT_FOUND')
    })

    it('answers an unknown profile, an unknown comment and an unknown path', async () => {
      const { token } = await register()
      assertError(await call('GET', '/profiles/nobody_here'), 404, 'ERR_PROFILE_NOT_FOUND')
      assertError(await call('POST', '/profiles/nobody_here/follow', { token }), 404, 'ERR_PROFILE_NOT_FOUND')
      const slug = await createArticle(token)
      assertError(await call('DELETE', `/articles/${slug}/comments/999999`, { token }), 404, 'ERR_COMMENT_NOT_FOUND')
      assertError(await call('DELETE', `/articles/${slug}/comments/99999999999999999999`, { token }), 404, 'ERR_COMMENT_NOT_FOUND')
      assertError(await call('DELETE', `/articles/${slug}/comments/abc`, { token }), 404, 'ERR_NOT_FOUND')
      assertError(await call('GET', '/nope'), 404, 'ERR_NOT_FOUND')
    })

    it('answers a method a path does not have with 405 and Allow, in the same shape', async () => {
      const res = await call('DELETE', '/tags')
      assertError(res, 405, 'ERR_METHOD_NOT_ALLOWED')
      assert.equal(res.headers.get('allow'), 'GET, HEAD, OPTIONS')
    })
  })

  describe('pagination', () => {
    it('refuses a limit or offset that is negative, zero (limit), too large, fractional or not a number', async () => {
      const bad = ['limit=-1', 'limit=0', 'limit=101', 'limit=abc', 'limit=1.5', 'limit=', 'limit=1&limit=2', 'offset=-1', 'offset=abc', 'offset=99999999999999999']
      for (const query of bad) {
        const field = query.slice(0, query.indexOf('='))
        assertError(await call('GET', `/articles?${query}`), 422, 'ERR_VALIDATION', field)
      }
      const { token } = await register()
      assertError(await call('GET', '/articles/feed?limit=0', { token }), 422, 'ERR_VALIDATION', 'limit')
    })

    it('pages newest first and counts every match; an offset past the end is an empty page', async () => {
      const { token, username } = await register()
      for (const title of ['first', 'second', 'third']) await createArticle(token, title)
      const page = async (query: string) => (await call('GET', `/articles?author=${username}&${query}`)).body as { articles: Array<{ title: string }>; articlesCount: number }
      const all = await page('limit=100')
      assert.deepEqual(all.articles.map((a) => a.title), ['third', 'second', 'first'])
      const second = await page('limit=1&offset=1')
      assert.deepEqual(second.articles.map((a) => a.title), ['second'])
      assert.equal(second.articlesCount, 3)
      const past = await page('offset=1000000')
      assert.deepEqual(past.articles, [])
      assert.equal(past.articlesCount, 3)
    })
  })

  describe('updating an article', () => {
    it('keeps the slug when the title stays, and makes a new one when it changes', async () => {
      const { token } = await register()
      const slug = await createArticle(token, 'Same title')
      const same = await call('PUT', `/articles/${slug}`, { token, body: { article: { title: 'Same title', body: 'new body' } } })
      assert.deepEqual([(same.body.article as { slug: string }).slug, (same.body.article as { body: string }).body], [slug, 'new body'])
      const renamed = await call('PUT', `/articles/${slug}`, { token, body: { article: { title: 'Another title' } } })
      const next = (renamed.body.article as { slug: string }).slug
      assert.match(next, /^another-title-[0-9a-f]{8}$/)
      assertError(await call('GET', `/articles/${slug}`), 404, 'ERR_ARTICLE_NOT_FOUND')
      assert.equal((await call('GET', `/articles/${next}`)).status, 200)
    })
  })

  describe('updating the user', () => {
    it('clears bio and image with null, and logs in with a changed password only', async () => {
      const { token, email } = await register()
      const set = await call('PUT', '/user', { token, body: { user: { bio: 'I like dragons', image: 'https://example.com/me.png' } } })
      assert.equal((set.body.user as { bio: string }).bio, 'I like dragons')
      const cleared = await call('PUT', '/user', { token, body: { user: { bio: null, image: null } } })
      assert.deepEqual([(cleared.body.user as { bio: string }).bio, (cleared.body.user as { image: string }).image], ['', ''])
      assert.equal((await call('PUT', '/user', { token, body: { user: { password: 'a-new-password' } } })).status, 200)
      assertError(await call('POST', '/users/login', { body: { user: { email, password: 'password-1' } } }), 401, 'ERR_LOGIN_FAILED', 'email or password')
      assert.equal((await call('POST', '/users/login', { body: { user: { email, password: 'a-new-password' } } })).status, 200)
    })
  })

  describe('concurrent writes', () => {
    it('creates articles at the same time, each with its own tags, while others read', async () => {
      const { token, username } = await register()
      const writes = Array.from({ length: 8 }, (_, i) =>
        call('POST', '/articles', { token, body: { article: { title: `Parallel ${i}`, description: 'd', body: 'b', tagList: [`p${i}`, 'shared'] } } }),
      )
      const reads = Array.from({ length: 8 }, () => call('GET', `/articles?author=${username}`))
      const answers = await Promise.all([...writes, ...reads])
      assert.deepEqual(answers.map((a) => a.status), [...Array(8).fill(201), ...Array(8).fill(200)])
      const list = (await call('GET', `/articles?author=${username}`)).body as { articles: Array<{ title: string; tagList: string[] }>; articlesCount: number }
      assert.equal(list.articlesCount, 8)
      for (const article of list.articles) assert.deepEqual(article.tagList, [`p${article.title.split(' ')[1]}`, 'shared'])
    })
  })

  describe('browsers on other origins', () => {
    it('answers a preflight, and lets the page read error answers too', async () => {
      const preflight = await app.request('/api/user', {
        method: 'OPTIONS',
        headers: { origin: 'http://localhost:4200', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'authorization,content-type' },
      })
      assert.equal(preflight.status, 204)
      assert.equal(preflight.headers.get('access-control-allow-origin'), '*')
      assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /authorization/)
      const refused = await app.request('/api/user', { headers: { origin: 'http://localhost:4200' } })
      assert.equal(refused.status, 401)
      assert.equal(refused.headers.get('access-control-allow-origin'), '*')
    })
  })

  describe('passwords', () => {
    it('stores salted scrypt hashes, never the password', async () => {
      const a = await register()
      const b = await register()
      const rows = await db.all('SELECT username, password FROM users WHERE username IN (?, ?)', [a.username, b.username])
      assert.equal(rows.length, 2)
      for (const row of rows) {
        assert.match(String(row.password), /^scrypt\$[\w-]{22}\$[\w-]{86}$/)
        assert.ok(!String(row.password).includes('password-1'))
      }
      assert.notEqual(rows[0]?.password, rows[1]?.password, 'the same password hashes differently for two users')
    })
  })
}
