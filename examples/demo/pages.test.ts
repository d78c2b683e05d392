import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { memoryStore } from '../../src/store/index.js'
import { launchBrowser } from '../../test/support/browser.js'
import { buildDemo } from './app.js'

const form = (body: string, cookie?: string) => ({
  method: 'POST',
  body,
  headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) },
})
const html = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' }

describe('demo pages', () => {
  it('serves the home page to browsers and the same tour as JSON to everyone else', async () => {
    const app = buildDemo({ store: memoryStore() })
    const res = await app.request('/', { headers: html })
    assert.equal(res.status, 200)
    assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8')
    assert.match(res.headers.get('vary') ?? '', /accept/i)
    const page = await res.text()
    assert.match(page, /^<!doctype html>/)
    assert.match(page, /<title>Home · weir demo<\/title>/)
    assert.match(page, /<a href="\/users"><code>\/users<\/code><\/a>/)
    assert.match(page, /<code>POST \/login \{&quot;name&quot;:&quot;ada&quot;\}<\/code>/, 'the tour is escaped')
    const json = (await (await app.request('/')).json()) as { name: string; try: string[] }
    assert.equal(json.name, 'weir demo')
    assert.ok(json.try.includes('/hello') && json.try.includes('/users'))
  })

  it('lists users, adds one from the form and escapes what it shows', async () => {
    const app = buildDemo({ store: memoryStore() })
    const list = await (await app.request('/users', { headers: html })).text()
    assert.match(list, /<td>Ada<\/td>[\s\S]*<td>Linus<\/td>/)
    assert.match(list, /<form method="post" action="\/users">/)
    const added = await app.request('/users', form('name=%3Cscript%3Ealert(1)%3C%2Fscript%3E'))
    assert.equal(added.status, 303)
    assert.equal(added.headers.get('location'), '/users')
    const after = await (await app.request('/users')).text()
    assert.match(after, /<td>&lt;script&gt;alert\(1\)&lt;\/script&gt;<\/td>/)
    assert.doesNotMatch(after, /<script>alert/)
    assert.deepEqual(await (await app.request('/users/3')).json(), { id: '3', name: '<script>alert(1)</script>' })
  })

  it('re-renders the form with 422 and the value kept when the name is bad', async () => {
    const app = buildDemo({ store: memoryStore() })
    const res = await app.request('/users', form(`name=%22%3E%3Cb%3E${'x'.repeat(40)}`))
    assert.equal(res.status, 422)
    assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8')
    const page = await res.text()
    assert.match(page, /<p class="error" role="alert">A name is 1 to 40 characters/)
    assert.match(page, /value="&quot;&gt;&lt;b&gt;x{40}"/, 'the value comes back, escaped')
    const empty = await app.request('/users', form('name=+++'))
    assert.equal(empty.status, 422)
    assert.doesNotMatch(await (await app.request('/users')).text(), /&lt;b&gt;/, 'nothing was added')
  })

  it('shows who is signed in, from the session', async () => {
    const app = buildDemo({ store: memoryStore() })
    assert.doesNotMatch(await (await app.request('/users')).text(), /signed in as/)
    const login = await app.request('/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"ada"}' })
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!
    const page = await (await app.request('/', { headers: { ...html, cookie } })).text()
    assert.match(page, /<span>signed in as ada<\/span>/)
  })

  it('works in a real browser: follow a link, submit the form, see the new row', async (t) => {
    const app = buildDemo({ store: memoryStore() })
    await app.listen({ host: '127.0.0.1', port: 0 })
    t.after(() => app.close())
    const browser = await launchBrowser()
    t.after(() => browser.close())
    const page = await browser.newPage()
    await page.goto(`http://127.0.0.1:${app.port}/`, { timeout: 30_000 })
    assert.equal(await page.title(), 'Home · weir demo')
    await Promise.all([page.waitForURL('**/users', { timeout: 30_000 }), page.click('main a[href="/users"]')])
    await page.fill('input[name=name]', 'Grace <Hopper>')
    await Promise.all([page.waitForURL('**/users', { timeout: 30_000 }), page.click('form button')])
    assert.equal(await page.textContent('tbody tr:last-child td:last-child'), 'Grace <Hopper>')
    await page.evaluate(() => document.querySelector('input[name=name]')?.removeAttribute('maxlength'))
    await page.fill('input[name=name]', 'y'.repeat(41))
    const [answer] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST', { timeout: 30_000 }), page.click('form button')])
    assert.equal(answer.status(), 422)
    assert.match((await page.textContent('[role=alert]')) ?? '', /1 to 40 characters/)
  })
})
