import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type App, createApp } from '../../index.js'
import { consoleLogger } from '../../utils/console-logger.js'
import { type Secret, readSignedCookie, signCookie } from './index.js'

const KEY = 'the current signing key, thirty-two bytes or more'
const OLD = 'the previous signing key, thirty-two bytes or more'
const OTHER = 'a key this app never had, thirty-two bytes or more'

function makeApp(keys: readonly Secret[]): App {
  const app = createApp({ mode: 'test', logger: consoleLogger('silent') })
  app.post('/sign/:name/:value', (c) => {
    signCookie(c, c.params.name, c.params.value, { keys, maxAge: 60, sameSite: 'Strict' })
    return null
  })
  app.get('/read/:name', (c) => ({ value: readSignedCookie(c, c.params.name, { keys }) ?? null }))
  return app
}

const cookieOf = (res: Response) => res.headers.getSetCookie()[0]?.split(';')[0] ?? ''
const readWith = async (app: App, name: string, cookie: string) =>
  ((await (await app.request(`/read/${name}`, { headers: { cookie } })).json()) as { value: string | null }).value

describe('signCookie / readSignedCookie', () => {
  it('round-trips a readable value with the given attributes', async () => {
    const app = makeApp([KEY])
    const res = await app.request('/sign/plan/pro.v2', { method: 'POST' })
    assert.match(res.headers.getSetCookie()[0] ?? '', /^plan=pro\.v2\.[A-Za-z0-9_-]{43}; Max-Age=60; Path=\/; HttpOnly; SameSite=Strict$/)
    assert.equal(await readWith(app, 'plan', cookieOf(res)), 'pro.v2')
    assert.equal(await readWith(app, 'plan', ''), null)
  })

  it('returns undefined for a tampered value or signature, or a value signed for another cookie', async () => {
    const app = makeApp([KEY])
    const cookie = cookieOf(await app.request('/sign/plan/free', { method: 'POST' }))
    const sig = cookie.slice(cookie.lastIndexOf('.') + 1)
    for (const bad of [cookie.replace('free', 'pro0'), `plan=pro.${sig}`, `${cookie.slice(0, -1)}${cookie.endsWith('A') ? 'B' : 'A'}`, 'plan=free', 'plan=free.', `${cookie}x`]) {
      assert.equal(await readWith(app, 'plan', bad), null, bad)
    }
    assert.equal(await readWith(app, 'tier', cookie.replace('plan=', 'tier=')), null, 'bound to its name')
  })

  it('accepts an older key while rotating, and rejects an unknown key', async () => {
    const cookie = cookieOf(await makeApp([OLD]).request('/sign/plan/pro', { method: 'POST' }))
    assert.equal(await readWith(makeApp([KEY, OLD]), 'plan', cookie), 'pro')
    assert.equal(await readWith(makeApp([KEY]), 'plan', cookie), null)
    assert.equal(await readWith(makeApp([OTHER, KEY]), 'plan', cookie), null)
  })

  it('refuses keys shorter than 32 bytes', async () => {
    const res = await makeApp(['short']).request('/read/plan')
    assert.equal(res.status, 500)
    const app = createApp({ mode: 'test', logger: consoleLogger('silent') })
    app.get('/', (c) => {
      assert.throws(() => readSignedCookie(c, 'x', { keys: [] }), /keys/)
      assert.throws(() => signCookie(c, 'x', 'v', { keys: ['short'] }), /keys\[0\] has 5 bytes/)
      return null
    })
    assert.equal((await app.request('/')).status, 200)
  })
})
