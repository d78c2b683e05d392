import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Context } from '../../core/context.js'
import { type App, createApp } from '../../index.js'
import { consoleLogger } from '../../utils/console-logger.js'
import { type CookieSessionOptions, cookieSession } from './index.js'

const KEY = 'the current cookie key, thirty-two bytes or more'
const OLD = 'the previous cookie key, thirty-two bytes or more'
const OTHER = 'a key this app never had, thirty-two bytes or more'

function makeApp(options: Partial<CookieSessionOptions> = {}): App {
  const app = createApp({ mode: 'test', logger: consoleLogger('silent') })
  app.use(cookieSession({ keys: [KEY], ...options }))
  const s = (c: Context) => c.get('session')!
  app.get('/none', () => 'untouched')
  app.get('/read', async (c) => ({ all: await s(c).all(), isNew: s(c).isNew, id: s(c).id }))
  app.post('/write/:key/:value', (c) => {
    s(c).set(c.params.key, c.params.value)
    return null
  })
  app.post('/count', async (c) => ({ count: await s(c).update('count', (n: number | undefined) => (n ?? 0) + 1) }))
  app.post('/regenerate', async (c) => {
    await s(c).regenerate()
    return null
  })
  app.post('/destroy', async (c) => {
    await s(c).destroy()
    return null
  })
  return app
}

const setCookie = (res: Response) => res.headers.getSetCookie()[0]
const cookieOf = (res: Response) => setCookie(res)?.split(';')[0] ?? ''
type Read = { all: Record<string, unknown>; isNew: boolean; id: string }
const read = async (app: App, cookie: string): Promise<Read & { res: Response }> => {
  const res = await app.request('/read', { headers: { cookie } })
  assert.equal(res.status, 200)
  return { ...((await res.json()) as Read), res }
}
const post = (app: App, path: string, cookie = '') => app.request(path, { method: 'POST', headers: { cookie } })

describe('cookieSession', () => {
  it('keeps the data in the cookie, encrypted: the value shows none of it', async () => {
    const app = makeApp()
    const res = await post(app, '/write/secret/hunter2')
    assert.match(setCookie(res) ?? '', /^weir\.session=[A-Za-z0-9_-]+; Max-Age=86400; Path=\/; HttpOnly; SameSite=Lax$/)
    const cookie = cookieOf(res)
    assert.doesNotMatch(Buffer.from(cookie.split('=')[1]!, 'base64url').toString('latin1'), /hunter2|secret/)
    const r = await read(app, cookie)
    assert.deepEqual([r.all, r.isNew, setCookie(r.res)], [{ secret: 'hunter2' }, false, undefined])
    const count = await post(app, '/count', cookie)
    assert.deepEqual(await count.json(), { count: 1 })
    assert.deepEqual((await read(app, cookieOf(count))).all, { secret: 'hunter2', count: 1 })
  })

  it('sets no cookie for a request that does not change the session', async () => {
    const app = makeApp()
    assert.equal(setCookie(await app.request('/none')), undefined)
    assert.equal(setCookie((await read(app, '')).res), undefined)
  })

  it('treats a tampered, foreign or renamed cookie as an empty session', async () => {
    const app = makeApp()
    const cookie = cookieOf(await post(app, '/write/k/v'))
    const value = cookie.split('=')[1]!
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1)
    const forged = [flip(value, 0), flip(value, 20), flip(value, value.length - 1), value.slice(0, -4), 'abc', '', `${value}AAAA`]
    for (const bad of forged) {
      const r = await read(app, `weir.session=${bad}`)
      assert.deepEqual([r.all, r.isNew], [{}, true], bad)
    }
    const other = makeApp({ name: 'other' })
    assert.deepEqual((await read(other, `other=${value}`)).all, {}, 'bound to its cookie name')
  })

  it('refuses another spelling of the same bytes (a last character differing only in spare bits)', async () => {
    const app = makeApp()
    // Write until the cookie's length leaves spare bits in its last character (lengths 2 or 3 mod 4).
    let value = ''
    for (let i = 0; value === '' || value.length % 4 === 0; i++) value = cookieOf(await post(app, `/write/k/${'v'.repeat(i + 1)}`)).split('=')[1]!
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    const same = [...alphabet]
      .map((ch) => value.slice(0, -1) + ch)
      .filter((v) => v !== value && Buffer.from(v, 'base64url').equals(Buffer.from(value, 'base64url')))
    assert.ok(same.length > 0, 'such spellings exist')
    for (const v of same) assert.deepEqual((await read(app, `weir.session=${v}`)).all, {}, v)
  })

  it('decrypts with an old key, encrypts with the first when next written; an unknown key opens nothing', async () => {
    const cookie = cookieOf(await post(makeApp({ keys: [OLD] }), '/write/k/v'))
    const rotated = makeApp({ keys: [KEY, OLD] })
    assert.deepEqual((await read(rotated, cookie)).all, { k: 'v' })
    const rewritten = cookieOf(await post(rotated, '/write/j/w', cookie))
    assert.deepEqual((await read(makeApp({ keys: [KEY] }), rewritten)).all, { k: 'v', j: 'w' })
    assert.deepEqual((await read(makeApp({ keys: [OTHER] }), cookie)).all, {})
  })

  it('expires maxAge after the last write, whatever the client sends', async () => {
    const app = makeApp({ maxAge: 200 })
    const cookie = cookieOf(await post(app, '/write/k/v'))
    const end = Date.now() + 10_000 // a hang guard, not a speed claim
    while (Object.keys((await read(app, cookie)).all).length > 0) {
      assert.ok(Date.now() < end, 'the session expired within 10 s')
      await new Promise((r) => setTimeout(r, 50))
    }
    assert.equal((await read(app, cookie)).isNew, true)
  })

  it('regenerate() changes the id and keeps the data; destroy() clears the cookie', async () => {
    const app = makeApp()
    const cookie = cookieOf(await post(app, '/write/k/v'))
    const before = await read(app, cookie)
    const after = await read(app, cookieOf(await post(app, '/regenerate', cookie)))
    assert.notEqual(after.id, before.id)
    assert.deepEqual(after.all, { k: 'v' })
    const destroyed = await post(app, '/destroy', cookie)
    assert.match(setCookie(destroyed) ?? '', /^weir\.session=; Max-Age=0;/)
  })

  it('answers 413 ERR_SESSION_TOO_LARGE when the cookie would pass maxBytes', async () => {
    const app = makeApp({ maxBytes: 200 })
    assert.equal((await post(app, '/write/k/v')).status, 200)
    const res = await post(app, `/write/k/${'x'.repeat(200)}`)
    assert.equal(res.status, 413)
    assert.equal(((await res.json()) as { code: string }).code, 'ERR_SESSION_TOO_LARGE')
    assert.equal(setCookie(res), undefined)
  })

  it('refuses bad options when built', () => {
    assert.throws(() => cookieSession(undefined as never), TypeError)
    assert.throws(() => cookieSession({ keys: [] }), /keys/)
    assert.throws(() => cookieSession({ keys: ['short'] }), /keys\[0\]/)
    assert.throws(() => cookieSession({ keys: [KEY], maxAge: -1 }), /maxAge/)
    assert.throws(() => cookieSession({ keys: [KEY], maxBytes: 0 }), /maxBytes/)
    assert.throws(() => cookieSession({ keys: [KEY], name: 'a b' }), TypeError)
    assert.throws(() => cookieSession({ keys: [KEY], skip: 'no' as never }), /skip/)
  })
})
