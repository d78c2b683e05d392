import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { type Logger, createApp } from '../../index.js'
import { type ViewEngine, type Views, createViews, etaEngine } from './index.js'

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url))
const etaDir = join(fixtures, 'eta')

interface Logged {
  obj: Record<string, unknown>
  msg: string | undefined
}

function recorder(): { logger: Logger; errors: Logged[] } {
  const errors: Logged[] = []
  const none = () => {}
  return { errors, logger: { error: (obj, msg) => void errors.push({ obj: obj as Record<string, unknown>, msg }), warn: none, info: none, debug: none } }
}

/** An app with one route rendering the template named by `?name=`, with `data` from `?data=` (JSON). */
function appWith(views: Views, mode: 'debug' | 'release' | 'test' = 'test') {
  const { logger, errors } = recorder()
  const app = createApp({ mode, logger })
  app.get('/render', (c) => {
    const data = JSON.parse(c.req.query.data ?? '{}') as object
    const layout = c.req.query.layout
    return views.render(c, c.req.query.name ?? '', data, { layout: layout === 'none' ? false : (layout ?? undefined) })
  })
  const get = (name: string, data: unknown = {}, layout?: string) => {
    const q = new URLSearchParams({ name, data: JSON.stringify(data), ...(layout ? { layout } : {}) })
    return app.request(`/render?${q}`, { headers: { accept: 'application/json' } })
  }
  return { app, get, errors }
}

async function errorOf(res: Response): Promise<{ code: string; message: string; stack?: string }> {
  return (await res.json()) as { code: string; message: string; stack?: string }
}

describe('views: rendering with eta', () => {
  const views = createViews({ dir: etaDir })
  const { get } = appWith(views)

  it('renders a template with a partial as text/html, escaping values', async () => {
    const res = await get('home', { title: 'Tom & <Jerry>', items: ['<b>a</b>', 'b'] })
    assert.equal(res.status, 200)
    assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8')
    const html = await res.text()
    assert.match(html, /<h1>Tom &amp; &lt;Jerry&gt;<\/h1>/)
    assert.match(html, /<li>&lt;b&gt;a&lt;\/b&gt;<\/li>\s*<li>b<\/li>/)
  })

  it('writes raw output only where the template asks (<%~ %>)', async () => {
    const html = await (await get('escape', { html: '<script>x</script>', raw: '<em>ok</em>' })).text()
    assert.match(html, /<b>&lt;script&gt;x&lt;\/script&gt;<\/b>\|<em>ok<\/em>\|/)
  })

  it('sets the status given and resolves with the context, so a returned render stays HTML', async () => {
    const app = createApp({ mode: 'test' })
    app.get('/gone', (c) => views.render(c, 'users/show', { user: { name: 'Ann' } }, { status: 410 }))
    const res = await app.request('/gone')
    assert.equal(res.status, 410)
    assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8')
    assert.equal(await res.text(), '<p>Ann</p>\n')
  })

  it("supports eta's own layout() and a template relative to the including file", async () => {
    const html = await (await get('own-layout', { title: 'T<1>', message: 'hi' })).text()
    assert.equal(html, '<!doctype html>\n<title>T&lt;1&gt;</title>\n<main><p>hi</p>\n</main>\n')
    assert.equal(await (await get('includes-relative', { item: 'x' })).text(), '<li>x</li>')
  })

  it('wraps every page in the layout option, which a render can change or turn off', async () => {
    const { get: withLayout } = appWith(createViews({ dir: etaDir, layout: 'layout' }))
    const wrapped = await (await withLayout('users/show', { title: 'Users', user: { name: '<Ann>' } })).text()
    assert.equal(wrapped, '<!doctype html>\n<title>Users</title>\n<main><p>&lt;Ann&gt;</p>\n</main>\n')
    assert.equal(await (await withLayout('users/show', { user: { name: 'Ann' } }, 'none')).text(), '<p>Ann</p>\n')
  })

  it('renders to a string for mail and fragments', async () => {
    assert.equal(await views.renderToString('users/show', { user: { name: 'Bo' } }), '<p>Bo</p>\n')
    assert.equal(await views.renderToString('own-layout', { title: 't', message: 'm' }, { layout: false }), '<!doctype html>\n<title>t</title>\n<main><p>m</p>\n</main>\n')
  })
})

describe('views: names stay inside the directory', () => {
  const { get } = appWith(createViews({ dir: etaDir }))

  for (const name of ['../secret.txt', '../secret', 'users/../../secret.txt', '/etc/passwd', join(fixtures, 'secret.txt'), 'users\\..\\..\\secret', 'home\0.txt', 'C:/x']) {
    it(`refuses ${JSON.stringify(name)} with 400 ERR_VIEW_BAD_NAME`, async () => {
      const res = await get(name)
      const body = await res.text()
      assert.equal(res.status, 400)
      assert.equal(JSON.parse(body).code, 'ERR_VIEW_BAD_NAME')
      assert.doesNotMatch(body, /SECRET|root:/)
    })
  }

  it('answers 404 ERR_VIEW_NOT_FOUND for a template that does not exist', async () => {
    const res = await get('users/nobody')
    assert.equal(res.status, 404)
    const body = await errorOf(res)
    assert.equal(body.code, 'ERR_VIEW_NOT_FOUND')
    assert.match(body.message, /users\/nobody\.eta/)
  })

  it('refuses an include leaving the directory: a 500, and the file is never read', async () => {
    const res = await get('includes-outside')
    const body = await res.text()
    assert.equal(res.status, 500)
    assert.equal(JSON.parse(body).code, 'ERR_VIEW_RENDER')
    assert.doesNotMatch(body, /SECRET=/)
  })

  it('reads only template files: another file in the directory is a 404', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'weir-views-only-'))
    t.after(() => rmSync(dir, { recursive: true, force: true }))
    writeFileSync(join(dir, 'config.json'), '{"password":"SECRET"}')
    writeFileSync(join(dir, 'page.eta'), 'page')
    const { get } = appWith(createViews({ dir }))
    const res = await get('config.json')
    assert.equal(res.status, 404)
    assert.doesNotMatch(await res.text(), /SECRET/)
    assert.equal(await (await get('page.eta')).text(), 'page', 'a name may carry the extension')
  })

  it('refuses a symlink inside the directory that leads out of it', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'weir-views-link-'))
    t.after(() => rmSync(dir, { recursive: true, force: true }))
    symlinkSync(join(fixtures, 'secret.txt'), join(dir, 'leak.eta'))
    const res = await appWith(createViews({ dir })).get('leak')
    const body = await res.text()
    assert.equal(res.status, 400)
    assert.equal(JSON.parse(body).code, 'ERR_VIEW_BAD_NAME')
    assert.doesNotMatch(body, /SECRET=/)
  })
})

describe('views: template errors name the file and line', () => {
  const views = createViews({ dir: etaDir })

  it('shows file:line and the stack on the debug error page', async () => {
    const { get, errors } = appWith(views, 'debug')
    const res = await get('broken')
    assert.equal(res.status, 500)
    const body = await errorOf(res)
    assert.equal(body.code, 'ERR_VIEW_RENDER')
    assert.match(body.message, /fixtures\/eta\/broken\.eta:3: .*name/)
    assert.ok(body.stack, 'debug mode shows the stack')
    assert.match(String(errors[0]?.msg), /broken\.eta:3/)
  })

  it('answers the generic 500 in release mode and logs file:line', async () => {
    const { get, errors } = appWith(views, 'release')
    const res = await get('broken')
    const text = await res.text()
    assert.equal(res.status, 500)
    assert.equal(JSON.parse(text).message, 'Internal Server Error')
    assert.doesNotMatch(text, /broken\.eta|name/)
    assert.equal(errors.length, 1)
    assert.match(String(errors[0].msg), /fixtures\/eta\/broken\.eta:3: /)
  })

  it('names the partial, not the page, when the partial fails', async () => {
    const { get } = appWith(views)
    const body = await errorOf(await get('includes-broken'))
    assert.match(body.message, /eta\/partials\/broken\.eta:2: /)
  })

  it('names the line of a parse error, and the file of a syntax error', async () => {
    const { get } = appWith(views)
    assert.match((await errorOf(await get('unclosed'))).message, /eta\/unclosed\.eta:2: /)
    const syntax = await errorOf(await get('bad-syntax'))
    assert.equal(syntax.code, 'ERR_VIEW_RENDER')
    assert.match(syntax.message, /eta\/bad-syntax\.eta: /)
  })

  it('names an included template that does not parse', async () => {
    const { get } = appWith(views)
    assert.match((await errorOf(await get('includes-unclosed'))).message, /eta\/unclosed\.eta:2: unclosed tag/)
  })

  it('a layout that is missing or refused is a 500, not the client\'s 4xx', async () => {
    const app = createApp({ mode: 'test' })
    app.get('/:layout', (c) => views.render(c, 'users/show', { user: { name: 'a' } }, { layout: c.params.layout === 'up' ? '../secret' : 'nope' }))
    for (const path of ['/up', '/missing']) {
      const res = await app.request(path, { headers: { accept: 'application/json' } })
      assert.equal(res.status, 500, path)
      assert.equal((await errorOf(res)).code, 'ERR_VIEW_RENDER')
    }
  })

  it('a missing include is a 500 naming the include', async () => {
    const { get } = appWith(views)
    const res = await get('includes-missing')
    assert.equal(res.status, 500)
    assert.match((await errorOf(res)).message, /partials\/none\.eta/)
  })
})

describe('views: request data never reaches engine options', () => {
  const views = createViews({ dir: etaDir })
  const { get } = appWith(views)
  const hostile = '{"html":"<i>","raw":"r","autoEscape":false,"settings":{"autoEscape":false},"views":"/","cache":false,"async":true,"filepath":"/etc/passwd","varName":"x","tags":["{{","}}"],"__proto__":{"autoEscape":false,"polluted":true}}'

  it('renders a data object carrying settings, views, autoEscape:false and __proto__ like any data', async () => {
    const plain = await (await get('escape', { html: '<i>', raw: 'r' })).text()
    const res = await get('escape', JSON.parse(hostile))
    assert.equal(res.status, 200)
    const html = await res.text()
    assert.match(html, /^<b>&lt;i&gt;<\/b>\|r\|false\|object\n?$/)
    assert.equal(html.split('|')[0], plain.split('|')[0], 'still escaped')
    assert.equal(({} as Record<string, unknown>).polluted, undefined)
    assert.equal(await (await get('escape', { html: '<i>', raw: 'r' })).text(), plain, 'later renders unchanged')
  })

  it('keeps hostile data as data through a layout too', async () => {
    const { get: withLayout } = appWith(createViews({ dir: etaDir, layout: 'layout' }))
    const data = JSON.parse(hostile) as Record<string, unknown>
    const res = await withLayout('escape', { ...data, title: '<t>' })
    assert.equal(res.status, 200)
    const html = await res.text()
    assert.match(html, /<title>&lt;t&gt;<\/title>/)
    assert.match(html, /<main><b>&lt;i&gt;<\/b>\|r\|false\|object/)
    assert.equal(({} as Record<string, unknown>).polluted, undefined)
  })

  it('handles a data object whose prototype was set (not an own key)', async () => {
    const app = createApp({ mode: 'test' })
    const data = Object.assign(Object.create({ autoEscape: false }) as object, { html: '<i>', raw: '' })
    app.get('/', (c) => views.render(c, 'escape', data))
    assert.match(await (await app.request('/')).text(), /^<b>&lt;i&gt;<\/b>/)
  })
})

describe('views: cache and reload', () => {
  const dirs: string[] = []
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true })
  })
  const temp = () => {
    const d = mkdtempSync(join(tmpdir(), 'weir-views-'))
    dirs.push(d)
    return d
  }

  it('recompiles a page and its partial after they are rewritten (debug mode)', async () => {
    const dir = temp()
    writeFileSync(join(dir, 'page.eta'), 'v1 <%~ include("part") %>')
    writeFileSync(join(dir, 'part.eta'), 'p1')
    const { get } = appWith(createViews({ dir }), 'debug')
    assert.equal(await (await get('page')).text(), 'v1 p1')
    writeFileSync(join(dir, 'page.eta'), 'version 2 <%~ include("part") %>')
    assert.equal(await (await get('page')).text(), 'version 2 p1')
    writeFileSync(join(dir, 'part.eta'), 'part 2')
    assert.equal(await (await get('page')).text(), 'version 2 part 2')
  })

  it('keeps compiled templates in release mode, without reading the files again', async () => {
    const dir = temp()
    writeFileSync(join(dir, 'page.eta'), 'v1 <%~ include("part") %>')
    writeFileSync(join(dir, 'part.eta'), 'p1')
    const { get } = appWith(createViews({ dir }), 'release')
    assert.equal(await (await get('page')).text(), 'v1 p1')
    writeFileSync(join(dir, 'page.eta'), 'version 2')
    writeFileSync(join(dir, 'part.eta'), 'part 2')
    assert.equal(await (await get('page')).text(), 'v1 p1')
  })

  it('follows the cache option over the mode', async () => {
    const dir = temp()
    writeFileSync(join(dir, 'page.eta'), 'one')
    const { get } = appWith(createViews({ dir, cache: false }), 'release')
    assert.equal(await (await get('page')).text(), 'one')
    writeFileSync(join(dir, 'page.eta'), 'two!')
    assert.equal(await (await get('page')).text(), 'two!')
  })

  it('answers 404 once a template is deleted (debug mode)', async () => {
    const dir = temp()
    writeFileSync(join(dir, 'page.eta'), 'here')
    const { get } = appWith(createViews({ dir }))
    assert.equal((await get('page')).status, 200)
    rmSync(join(dir, 'page.eta'))
    assert.equal((await get('page')).status, 404)
  })
})

describe('views: engines', () => {
  it('streams what an engine yields as chunks', async (t) => {
    const chunks: ViewEngine = {
      extension: '.txt',
      compile: (file, loader) => {
        const source = loader.read(file)
        return async function* (data) {
          for (const line of source.split('\n')) yield `${line.replace('{name}', String(data.name))}\n`
        }
      },
    }
    const dir = mkdtempSync(join(tmpdir(), 'weir-views-stream-'))
    t.after(() => rmSync(dir, { recursive: true, force: true }))
    writeFileSync(join(dir, 'page.txt'), 'a {name}\nb\nc')
    const { get } = appWith(createViews({ dir, engine: chunks }))
    const res = await get('page', { name: 'n' })
    assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8')
    assert.equal(res.headers.get('content-length'), null, 'streamed, not buffered')
    assert.equal(await res.text(), 'a n\nb\nc\n')
  })

  it('lets etaEngine configure eta, escaping kept', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'weir-views-tags-'))
    t.after(() => rmSync(dir, { recursive: true, force: true }))
    writeFileSync(join(dir, 'page.html'), '[{{= it.x }}]')
    const engine = etaEngine({ extension: '.html', configure: (eta) => eta.configure({ tags: ['{{', '}}'] }) })
    const { get } = appWith(createViews({ dir, engine }))
    assert.equal(await (await get('page', { x: '<b>' })).text(), '[&lt;b&gt;]')
  })

  it('refuses bad options when built', () => {
    assert.throws(() => createViews(undefined as never), TypeError)
    assert.throws(() => createViews({ dir: '' }), TypeError)
    assert.throws(() => createViews({ dir: join(fixtures, 'nope') }), /does not exist/)
    assert.throws(() => createViews({ dir: join(fixtures, 'secret.txt') }), /not a directory/)
    assert.throws(() => createViews({ dir: etaDir, engine: 'pug' as never }), /engine must be/)
    assert.throws(() => createViews({ dir: etaDir, layout: '' }), /layout must be/)
    assert.throws(() => createViews({ dir: etaDir, layout: '../secret' }), /layout/)
    assert.throws(() => createViews({ dir: etaDir, cache: 'yes' as never }), /cache must be/)
  })
})
