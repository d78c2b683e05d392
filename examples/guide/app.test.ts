import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type Bookmark, buildApp } from './app.js'

const token = 'test-token'
const auth = { authorization: `Bearer ${token}` }

/** A fresh app with its own empty store; test mode keeps the logs quiet. */
function app() {
  return buildApp({ token, mode: 'test' })
}

/** The error answers' fields the tests read. */
interface ErrorBody {
  code: string
  details?: Array<{ path: unknown[] }>
}

/** `res.json()` is `Promise<unknown>` with Node's types: say what the body is. */
function json<T>(res: Response): Promise<T> {
  return res.json() as Promise<T>
}

function post(body: unknown): RequestInit {
  return { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(body) }
}

describe('the guide service', () => {
  it('answers health checks without a token', async () => {
    const res = await app().request('/healthz')
    assert.equal(res.status, 200)
    assert.equal(await res.text(), 'ok')
  })

  it('creates, reads, lists and deletes a bookmark', async () => {
    const a = app()
    const created = await a.request('/api/bookmarks', post({ url: 'https://nodejs.org/', title: 'Node.js', tags: ['js'] }))
    assert.equal(created.status, 201)
    assert.equal(created.headers.get('location'), '/api/bookmarks/1')
    assert.deepEqual(await json<Bookmark>(created), { id: '1', url: 'https://nodejs.org/', title: 'Node.js', tags: ['js'] })
    await a.request('/api/bookmarks', post({ url: 'https://example.com/', title: 'Example' }))

    const one = await a.request('/api/bookmarks/1', { headers: auth })
    assert.equal((await json<Bookmark>(one)).title, 'Node.js')
    const tagged = await a.request('/api/bookmarks?tag=js', { headers: auth })
    assert.deepEqual((await json<Bookmark[]>(tagged)).map((b) => b.id), ['1'])
    const limited = await a.request('/api/bookmarks?limit=1', { headers: auth })
    assert.equal((await json<Bookmark[]>(limited)).length, 1)

    const deleted = await a.request('/api/bookmarks/1', { method: 'DELETE', headers: auth })
    assert.equal(deleted.status, 204)
    const gone = await a.request('/api/bookmarks/1', { headers: auth })
    assert.equal(gone.status, 404)
    assert.equal((await json<ErrorBody>(gone)).code, 'ERR_BOOKMARK_NOT_FOUND')
  })

  it('answers invalid input with 400 ERR_VALIDATION and every issue', async () => {
    const res = await app().request('/api/bookmarks', post({ url: 'not a url', title: '' }))
    assert.equal(res.status, 400)
    const body = await json<ErrorBody>(res)
    assert.equal(body.code, 'ERR_VALIDATION')
    assert.deepEqual(body.details?.map((i) => i.path), [['url'], ['title']])
    const query = await app().request('/api/bookmarks?limit=1000', { headers: auth })
    assert.equal(query.status, 400)
  })

  it('refuses requests under /api without the token', async () => {
    const res = await app().request('/api/bookmarks')
    assert.equal(res.status, 401)
    assert.equal((await json<ErrorBody>(res)).code, 'ERR_AUTH_REQUIRED')
    assert.equal(res.headers.get('www-authenticate'), 'Bearer')
  })

  it('answers unknown paths under /api with 401 without the token and 404 with it', async () => {
    const a = app()
    const refused = await a.request('/api/nope')
    assert.equal(refused.status, 401)
    assert.equal((await json<ErrorBody>(refused)).code, 'ERR_AUTH_REQUIRED')
    const unknown = await a.request('/api/nope', { headers: auth })
    assert.equal(unknown.status, 404)
    assert.equal((await json<ErrorBody>(unknown)).code, 'ERR_NOT_FOUND')
  })

  it('streams the export as JSON lines', async () => {
    const a = app()
    await a.request('/api/bookmarks', post({ url: 'https://nodejs.org/', title: 'Node.js' }))
    await a.request('/api/bookmarks', post({ url: 'https://example.com/', title: 'Example' }))
    const res = await a.request('/api/export', { headers: auth })
    assert.equal(res.headers.get('content-type'), 'application/x-ndjson')
    // Read a streamed body to its end (or cancel it): the response finishes only then.
    const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l) as Bookmark)
    assert.deepEqual(lines.map((b) => b.title), ['Node.js', 'Example'])
  })

  it('fails its readiness check once closing', async () => {
    const a = app()
    assert.equal((await a.request('/readyz')).status, 200)
    await a.close()
    assert.equal(a.closing, true)
    assert.equal((await a.request('/readyz')).status, 503)
  })

  it('registers the routes the guide describes', () => {
    assert.deepEqual(
      app()
        .routes()
        .map((r) => `${r.method} ${r.pattern}`),
      [
        'GET /',
        'GET /healthz',
        'GET /readyz',
        'GET /api/bookmarks',
        'POST /api/bookmarks',
        'GET /api/bookmarks/:id(\\d+)',
        'DELETE /api/bookmarks/:id(\\d+)',
        'GET /api/export',
      ],
    )
  })
})
