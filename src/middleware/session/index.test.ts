import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Context } from '../../core/context.js'
import { createError } from '../../errors.js'
import { type App, type AppOptions, createApp } from '../../index.js'
import { memoryStore } from '../../store/memory/index.js'
import type { Store } from '../../store/types.js'
import { consoleLogger } from '../../utils/console-logger.js'
import { type SessionOptions, session } from './index.js'
import { Signer, checkKeys } from './keys.js'
import { sessionConcurrency } from './session.case.js'
import { signSessionCookie } from './sid.js'

const KEY = 'the current session key, thirty-two bytes or more'
const OLD = 'the previous session key, thirty-two bytes or more'
const OTHER = 'a key this app never had, thirty-two bytes or more'
const COOKIE = /^weir\.sid=([A-Za-z0-9_-]{24})\.[0-9a-z]+\.[A-Za-z0-9_-]{43}$/

sessionConcurrency('memory', async () => memoryStore())

/** A memory store that counts the calls made to it. */
function countingStore(): Store & { calls: Record<string, number> } {
  const inner = memoryStore()
  const calls: Record<string, number> = {}
  const counted = <A extends unknown[], R>(m: string, f: (...args: A) => R) => (...args: A): R => {
    calls[m] = (calls[m] ?? 0) + 1
    return f(...args)
  }
  return {
    name: 'counting memory',
    calls,
    get: counted('get', inner.get),
    set: counted('set', inner.set),
    delete: counted('delete', inner.delete),
    touch: counted('touch', inner.touch),
    compareAndSet: counted('compareAndSet', inner.compareAndSet),
    increment: counted('increment', inner.increment),
    close: () => inner.close(),
  }
}

/** A fake of a store whose medium is down: every call rejects with the store's own 503. */
function unreachableStore(): Store {
  const down = async (): Promise<never> => {
    throw createError('ERR_STORE_UNAVAILABLE', 'The test store is down on purpose')
  }
  return { name: 'down', get: down, set: down, delete: down, touch: down, compareAndSet: down, increment: down, close: async () => {} }
}

function makeApp(options: Partial<SessionOptions> = {}, appOptions: AppOptions = {}): App {
  const app = createApp({ mode: 'test', logger: consoleLogger('silent'), ...appOptions })
  app.use(session({ keys: [KEY], ...options }))
  const s = (c: Context) => c.get('session')!
  app.get('/none', () => 'untouched')
  app.get('/read/:key', async (c) => ({ value: (await s(c).get(c.params.key)) ?? null, isNew: s(c).isNew, id: s(c).id }))
  app.post('/write/:key/:value', (c) => {
    s(c).set(c.params.key, c.params.value)
    return null
  })
  app.post('/regenerate', async (c) => {
    await s(c).regenerate()
    return null
  })
  app.post('/destroy', async (c) => {
    await s(c).destroy()
    return null
  })
  app.post('/big/:size', (c) => {
    s(c).set('big', 'x'.repeat(Number(c.params.size)))
    return null
  })
  app.post('/boom', (c) => {
    s(c).set('lost', true)
    throw new Error('boom')
  })
  return app
}

const setCookie = (res: Response) => res.headers.getSetCookie()[0]
const cookieOf = (res: Response) => setCookie(res)?.split(';')[0] ?? ''
const idOf = (cookie: string) => COOKIE.exec(cookie)?.[1]
type Read = { value: unknown; isNew: boolean; id: string }
const read = async (app: App, cookie: string, key = 'k'): Promise<Read & { res: Response }> => {
  const res = await app.request(`/read/${key}`, { headers: { cookie } })
  assert.equal(res.status, 200)
  return { ...((await res.json()) as Read), res }
}
const post = (app: App, path: string, cookie = '') => app.request(path, { method: 'POST', headers: { cookie } })

describe('session', () => {
  it('starts a session on the first write: a signed random id in an HttpOnly SameSite=Lax cookie, the data in the store', async () => {
    const store = memoryStore()
    const app = makeApp({ store })
    const res = await post(app, '/write/k/v')
    assert.match(setCookie(res) ?? '', /^weir\.sid=[^;]+; Max-Age=86400; Path=\/; HttpOnly; SameSite=Lax$/)
    const cookie = cookieOf(res)
    assert.match(cookie, COOKIE)
    assert.deepEqual(JSON.parse(Buffer.from((await store.get(idOf(cookie)!))!).toString()), { k: 'v' })
    const again = await read(app, cookie)
    assert.deepEqual([again.value, again.isNew, again.id, setCookie(again.res)], ['v', false, idOf(cookie), undefined])
  })

  it('a request that never touches the session makes no store call and sets no cookie', async () => {
    const store = countingStore()
    const app = makeApp({ store })
    const cookie = cookieOf(await post(app, '/write/k/v'))
    for (const k of Object.keys(store.calls)) delete store.calls[k]
    const res = await app.request('/none', { headers: { cookie } })
    assert.equal(await res.text(), 'untouched')
    assert.deepEqual([store.calls, setCookie(res)], [{}, undefined])
  })

  it('reads the store once per request; a read-only request writes nothing; an empty new session sets no cookie', async () => {
    const store = countingStore()
    const app = makeApp({ store })
    app.get('/twice', async (c) => [await c.get('session')!.get('k'), await c.get('session')!.all()])
    const cookie = cookieOf(await post(app, '/write/k/v'))
    for (const k of Object.keys(store.calls)) delete store.calls[k]
    const res = await app.request('/twice', { headers: { cookie } })
    assert.deepEqual(await res.json(), ['v', { k: 'v' }])
    assert.deepEqual([store.calls, setCookie(res)], [{ get: 1 }, undefined])
    const fresh = await read(app, '')
    assert.deepEqual([fresh.isNew, setCookie(fresh.res)], [true, undefined])
  })

  it('treats a tampered cookie as no session, never an error', async () => {
    const app = makeApp()
    const cookie = cookieOf(await post(app, '/write/k/v'))
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1)
    const id = idOf(cookie)!
    const forged = [flip(cookie, 9), flip(cookie, cookie.length - 2), `${cookie}x`, `${cookie}.x`, cookie.replace(id, 'A'.repeat(24)), 'weir.sid=', 'weir.sid=%zz', `weir.sid=${id}`]
    for (const bad of forged) {
      const r = await read(app, bad)
      assert.deepEqual([r.value, r.isNew], [null, true], bad)
      assert.notEqual(r.id, id)
    }
    const fresh = await post(app, '/write/k/new', forged[0])
    assert.notEqual(idOf(cookieOf(fresh)), id, 'a write starts a new session')
  })

  it('accepts a cookie signed with an old key and re-signs it with the new key when next written', async () => {
    const store = memoryStore()
    const cookie = cookieOf(await post(makeApp({ store, keys: [OLD] }), '/write/k/v'))
    const rotated = makeApp({ store, keys: [KEY, OLD] })
    const r = await read(rotated, cookie)
    assert.deepEqual([r.value, r.isNew, setCookie(r.res)], ['v', false, undefined], 'read: accepted, not rewritten')
    const resigned = cookieOf(await post(rotated, '/write/k/w', cookie))
    assert.equal(idOf(resigned), idOf(cookie), 'same session')
    assert.notEqual(resigned, cookie)
    const onlyNew = await read(makeApp({ store, keys: [KEY] }), resigned)
    assert.deepEqual([onlyNew.value, onlyNew.isNew], ['w', false])
  })

  it('rejects a cookie signed with an unknown key', async () => {
    const store = memoryStore()
    const cookie = cookieOf(await post(makeApp({ store, keys: [OTHER] }), '/write/k/v'))
    const r = await read(makeApp({ store, keys: [KEY, OLD] }), cookie)
    assert.deepEqual([r.value, r.isNew], [null, true])
  })

  it('regenerate() gives a new id with the same data, and the old id no longer loads (session fixation)', async () => {
    const store = memoryStore()
    const app = makeApp({ store })
    const before = cookieOf(await post(app, '/write/k/v'))
    const after = cookieOf(await post(app, '/regenerate', before))
    assert.notEqual(idOf(after), idOf(before))
    assert.equal(await store.get(idOf(before)!), undefined)
    assert.deepEqual([(await read(app, after)).value, (await read(app, before)).value], ['v', null])
    assert.equal((await read(app, before)).isNew, true)
  })

  it('destroy() deletes the data and clears the cookie', async () => {
    const store = memoryStore()
    const app = makeApp({ store })
    const cookie = cookieOf(await post(app, '/write/k/v'))
    const res = await post(app, '/destroy', cookie)
    assert.match(setCookie(res) ?? '', /^weir\.sid=; Max-Age=0; Path=\/; Expires=Thu, 01 Jan 1970/)
    assert.equal(await store.get(idOf(cookie)!), undefined)
    assert.deepEqual((await read(app, cookie)).value, null)
  })

  it('expires with the store ttl: the data goes and the cookie then opens an empty session', async () => {
    const store = memoryStore()
    const app = makeApp({ store, ttl: 200 })
    const cookie = cookieOf(await post(app, '/write/k/v'))
    const end = Date.now() + 10_000 // a hang guard, not a speed claim
    while ((await store.get(idOf(cookie)!)) !== undefined) {
      assert.ok(Date.now() < end, 'the session expired within 10 s')
      await new Promise((r) => setTimeout(r, 50))
    }
    const r = await read(app, cookie)
    assert.deepEqual([r.value, r.isNew], [null, true])
  })

  it('rolling: past half the ttl a read touches the store and refreshes the cookie, before that nothing', async () => {
    const store = countingStore()
    const ttl = 3_600_000
    const app = makeApp({ store, ttl })
    const id = idOf(cookieOf(await post(app, '/write/k/v')))!
    const signer = new Signer(checkKeys([KEY], 'test'))
    const issued = (ago: number) => `weir.sid=${signSessionCookie(signer, 'weir.sid', id, Date.now() - ago)}`
    for (const k of Object.keys(store.calls)) delete store.calls[k]
    const early = await read(app, issued(0.4 * ttl))
    assert.deepEqual([early.value, setCookie(early.res), store.calls], ['v', undefined, { get: 1 }])
    const late = await read(app, issued(0.6 * ttl))
    assert.equal(late.value, 'v')
    assert.match(setCookie(late.res) ?? '', /Max-Age=3600;/)
    assert.equal(idOf(cookieOf(late.res)), id)
    assert.deepEqual(store.calls, { get: 2, touch: 1 }, 'touched, not rewritten')
    const expired = await read(app, issued(ttl + 1))
    assert.deepEqual([expired.value, expired.isNew], [null, true], 'the signed issue time bounds the session')
  })

  it('without rolling, a read never refreshes the cookie', async () => {
    const store = countingStore()
    const app = makeApp({ store, ttl: 3_600_000, rolling: false })
    const id = idOf(cookieOf(await post(app, '/write/k/v')))!
    const signer = new Signer(checkKeys([KEY], 'test'))
    const late = await read(app, `weir.sid=${signSessionCookie(signer, 'weir.sid', id, Date.now() - 3_000_000)}`)
    assert.deepEqual([late.value, setCookie(late.res), store.calls.touch], ['v', undefined, undefined])
  })

  it('answers 413 ERR_SESSION_TOO_LARGE in place of the handler when the data passes maxBytes, and stores nothing', async () => {
    const store = memoryStore()
    const app = makeApp({ store, maxBytes: 100 })
    const cookie = cookieOf(await post(app, '/big/50'))
    const res = await post(app, '/big/200', cookie)
    assert.equal(res.status, 413)
    assert.equal(((await res.json()) as { code: string }).code, 'ERR_SESSION_TOO_LARGE')
    assert.equal(setCookie(res), undefined)
    assert.equal(((await read(app, cookie, 'big')).value as string).length, 50)
  })

  it('a regenerate() that cannot be saved (too large) leaves the old session as it was', async () => {
    const store = memoryStore()
    const app = makeApp({ store, maxBytes: 100 })
    app.post('/login-big', async (c) => {
      await c.get('session')!.regenerate()
      c.get('session')!.set('big', 'x'.repeat(200))
      return null
    })
    const cookie = cookieOf(await post(app, '/write/k/v'))
    assert.equal((await post(app, '/login-big', cookie)).status, 413)
    const r = await read(app, cookie)
    assert.deepEqual([r.value, r.isNew], ['v', false])
  })

  it("a failing store surfaces as the store's own 503", async () => {
    const app = makeApp({ store: unreachableStore() })
    const signer = new Signer(checkKeys([KEY], 'test'))
    const cookie = `weir.sid=${signSessionCookie(signer, 'weir.sid', 'A'.repeat(24), Date.now())}`
    for (const res of [await app.request('/read/k', { headers: { cookie } }), await post(app, '/write/k/v')]) {
      assert.equal(res.status, 503)
      assert.equal(((await res.json()) as { code: string }).code, 'ERR_STORE_UNAVAILABLE')
    }
    assert.equal((await app.request('/none')).status, 200, 'requests without the session do not notice')
  })

  it('saves nothing when the handler throws', async () => {
    const app = makeApp()
    const cookie = cookieOf(await post(app, '/write/k/v'))
    assert.equal((await post(app, '/boom', cookie)).status, 500)
    assert.equal((await read(app, cookie, 'lost')).value, null)
  })

  it('gives a new id when a signed id has no data any more', async () => {
    const store = memoryStore()
    const app = makeApp({ store })
    const cookie = cookieOf(await post(app, '/write/k/v'))
    await store.delete(idOf(cookie)!)
    const res = await post(app, '/write/k/w', cookie)
    assert.notEqual(idOf(cookieOf(res)), idOf(cookie))
    assert.equal((await read(app, cookieOf(res))).value, 'w')
  })

  it('sets Secure over https behind trustProxy (X-Forwarded-Proto), not over http or from an untrusted header', async () => {
    const proxied = makeApp({}, { trustProxy: true })
    const https = await proxied.request('/write/k/v', { method: 'POST', headers: { 'x-forwarded-proto': 'https' } })
    assert.match(setCookie(https) ?? '', /; Secure;/)
    assert.doesNotMatch(setCookie(await post(proxied, '/write/k/v')) ?? '', /Secure/)
    const direct = await makeApp().request('/write/k/v', { method: 'POST', headers: { 'x-forwarded-proto': 'https' } })
    assert.doesNotMatch(setCookie(direct) ?? '', /Secure/)
    assert.match(setCookie(await post(makeApp({ cookie: { secure: true } }), '/write/k/v')) ?? '', /; Secure;/)
  })

  it('keeps values as JSON copies; __proto__ is only a key', async () => {
    const app = makeApp()
    app.post('/json', async (c) => {
      const s = c.get('session')!
      const obj = { list: [1] }
      s.set('obj', obj)
      obj.list.push(2)
      const got = (await s.get<{ list: number[] }>('obj'))!
      got.list.push(3)
      s.set('__proto__', { polluted: true })
      s.set('when', new Date(0))
      s.set('gone', undefined)
      return s.all()
    })
    const res = await post(app, '/json')
    assert.deepEqual(await res.json(), { obj: { list: [1] }, ['__proto__']: { polluted: true }, when: '1970-01-01T00:00:00.000Z' })
    assert.equal(({} as { polluted?: boolean }).polluted, undefined)
    const again = await read(app, cookieOf(res), '__proto__')
    assert.deepEqual(again.value, { polluted: true })
  })

  it('skip() leaves the request without a session', async () => {
    const app = makeApp({ skip: (c) => c.req.path === '/none' })
    app.get('/has', (c) => ({ has: c.get('session') !== undefined }))
    assert.deepEqual(await (await app.request('/has')).json(), { has: true })
    const skipped = createApp({ mode: 'test', logger: consoleLogger('silent') })
    skipped.use(session({ keys: [KEY], skip: () => true }))
    skipped.get('/has', (c) => ({ has: c.get('session') !== undefined }))
    assert.deepEqual(await (await skipped.request('/has')).json(), { has: false })
  })

  it('refuses bad options when built', () => {
    assert.throws(() => session(undefined as never), TypeError)
    assert.throws(() => session({} as never), /keys/)
    assert.throws(() => session({ keys: [] }), /keys/)
    assert.throws(() => session({ keys: ['short'] }), /keys\[0\] has 5 bytes/)
    assert.throws(() => session({ keys: [KEY, 42 as never] }), /keys\[1\]/)
    assert.throws(() => session({ keys: [KEY], ttl: 0 }), /ttl/)
    assert.throws(() => session({ keys: [KEY], maxBytes: 1.5 }), /maxBytes/)
    assert.throws(() => session({ keys: [KEY], name: 'bad name' }), TypeError)
    assert.throws(() => session({ keys: [KEY], rolling: 'yes' as never }), /rolling/)
    assert.throws(() => session({ keys: [KEY], store: {} as never }), /store/)
    assert.throws(() => session({ keys: [KEY], cookie: { sameSite: 'lax' as never } }), /sameSite/)
    assert.throws(() => session({ keys: [KEY], cookie: { sameSite: 'None', secure: false } }), /secure/)
    assert.throws(() => session({ keys: [KEY], cookie: { path: 'a;b' } }), /path/)
    assert.throws(() => session({ keys: [KEY], skip: 1 as never }), /skip/)
  })

  it('puts the cookie on the head of a streamed response (real socket)', async () => {
    const app = makeApp()
    app.get('/stream', (c) => {
      c.get('session')!.set('k', 'streamed')
      return (async function* () {
        yield 'a'
        yield 'b'
      })()
    })
    await app.listen({ port: 0 })
    try {
      const res = await fetch(`http://127.0.0.1:${app.port}/stream`)
      assert.equal(await res.text(), 'ab')
      assert.equal((await read(app, cookieOf(res))).value, 'streamed')
    } finally {
      await app.close()
    }
  })
})
