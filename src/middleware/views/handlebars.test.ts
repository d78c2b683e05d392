import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { createApp } from '../../index.js'
import { type Views, createViews, handlebarsEngine } from './index.js'

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url))
const dir = join(fixtures, 'hbs')
const engine = handlebarsEngine({ helpers: { shout: (s: unknown) => `${String(s).toUpperCase()}!` } })

function getter(views: Views, mode: 'debug' | 'release' | 'test' = 'test') {
  const none = () => {}
  const app = createApp({ mode, logger: { error: none, warn: none, info: none, debug: none } })
  // JSON.parse, not c.req.json(): weir refuses a __proto__ key in a body, and the test wants one to reach the view.
  app.post('/:name', async (c) => views.render(c, c.params.name, JSON.parse(await c.req.text()) as object))
  return (name: string, data: unknown = {}, raw?: string) =>
    app.request(`/${encodeURIComponent(name)}`, { method: 'POST', body: raw ?? JSON.stringify(data), headers: { 'content-type': 'application/json', accept: 'application/json' } })
}

describe('views: handlebars', () => {
  const get = getter(createViews({ dir, engine }))

  it('renders partials from the views directory, escaping {{ }}', async () => {
    const res = await get('home', { title: 'A & <B>', items: ['<x>', 'y'] })
    assert.equal(res.status, 200)
    assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8')
    assert.equal(await res.text(), '<h1>A &amp; &lt;B&gt;</h1>\n<ul><li>&lt;x&gt;</li><li>y</li></ul>\n')
  })

  it('writes {{{ }}} raw and runs the helpers given', async () => {
    const html = await (await get('escape', { html: '<script>', raw: '<em>r</em>', word: 'hey' })).text()
    assert.equal(html, '<b>&lt;script&gt;</b>|<em>r</em>|HEY!||\n')
  })

  it('makes layouts from partial blocks, and from the layout option', async () => {
    assert.equal(await (await get('block-page', { message: '<hi>' })).text(), '<section><p>&lt;hi&gt;</p></section>\n')
    const wrapped = getter(createViews({ dir, engine: 'handlebars', layout: 'layouts/main' }))
    assert.equal(await (await wrapped('block-page', { title: 'T', message: 'm' })).text(), '<!doctype html>\n<title>T</title>\n<main><section><p>m</p></section>\n</main>\n')
  })

  it('renders a partial that includes itself (a tree)', async () => {
    const tree = { children: [{ name: 'a', children: [{ name: 'a1', children: [] }] }, { name: '<b>', children: [] }] }
    assert.equal(await (await get('tree', tree)).text(), '<ul><li>a<ul><li>a1<ul></ul></li></ul></li><li>&lt;b&gt;<ul></ul></li></ul>\n')
  })

  it('names the file and line of a parse error, in the page or in a partial', async () => {
    const page = (await (await get('broken')).json()) as { code: string; message: string }
    assert.equal(page.code, 'ERR_VIEW_RENDER')
    assert.match(page.message, /hbs\/broken\.hbs:4: Parse error/)
    const partial = (await (await get('includes-broken')).json()) as { message: string }
    assert.match(partial.message, /hbs\/partials\/broken\.hbs:3: Parse error on line 3/)
  })

  it('hides the location in release mode', async () => {
    const res = await getter(createViews({ dir, engine }), 'release')('broken')
    assert.equal(res.status, 500)
    assert.doesNotMatch(await res.text(), /broken\.hbs/)
  })

  it('refuses a missing partial and one outside the directory with a 500, reading nothing', async () => {
    const missing = await get('includes-missing')
    assert.equal(missing.status, 500)
    assert.match(((await missing.json()) as { message: string }).message, /partials\/none\.hbs/)
    const outside = await get('includes-outside')
    const body = await outside.text()
    assert.equal(outside.status, 500)
    assert.doesNotMatch(body, /SECRET=/)
  })

  it('refuses names leaving the directory with 400', async () => {
    for (const name of ['../secret.txt', '/etc/passwd', 'a\0b']) {
      const res = await get(name)
      assert.equal(res.status, 400, name)
      assert.equal(((await res.json()) as { code: string }).code, 'ERR_VIEW_BAD_NAME')
    }
  })

  it('treats hostile data as data: __proto__, constructor and settings change nothing', async () => {
    const raw = '{"html":"<i>","raw":"","word":"w","settings":{"noEscape":true},"noEscape":true,"compat":true,"partials":{"x":"y"},"__proto__":{"noEscape":true,"polluted":1}}'
    const res = await get('escape', undefined, raw)
    assert.equal(res.status, 200)
    assert.equal(await res.text(), '<b>&lt;i&gt;</b>||W!||[object Object]\n')
    assert.equal(({} as Record<string, unknown>).polluted, undefined)
  })

  it('picks up an edited partial in debug mode', async (t) => {
    const tmp = mkdtempSync(join(tmpdir(), 'weir-views-hbs-'))
    t.after(() => rmSync(tmp, { recursive: true, force: true }))
    writeFileSync(join(tmp, 'page.hbs'), '[{{> part}}]')
    writeFileSync(join(tmp, 'part.hbs'), 'one {{x}}')
    const render = getter(createViews({ dir: tmp, engine: 'handlebars' }), 'debug')
    assert.equal(await (await render('page', { x: 1 })).text(), '[one 1]')
    writeFileSync(join(tmp, 'part.hbs'), 'two {{x}}!')
    assert.equal(await (await render('page', { x: 2 })).text(), '[two 2!]')
  })

  it('uses partials registered with configure instead of files', async (t) => {
    const tmp = mkdtempSync(join(tmpdir(), 'weir-views-hbs-'))
    t.after(() => rmSync(tmp, { recursive: true, force: true }))
    writeFileSync(join(tmp, 'page.hbs'), '{{> badge}}|{{> (lookup . "pick")}}')
    const custom = handlebarsEngine({
      configure: (hb) => {
        hb.registerPartial('badge', '<b>{{x}}</b>')
        hb.registerPartial('other', '<i>{{x}}</i>')
      },
    })
    const render = getter(createViews({ dir: tmp, engine: custom }))
    assert.equal(await (await render('page', { x: '<1>', pick: 'other' })).text(), '<b>&lt;1&gt;</b>|<i>&lt;1&gt;</i>')
  })
})
