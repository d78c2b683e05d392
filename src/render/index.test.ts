import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { decode, encode } from '@msgpack/msgpack'
import YAML from 'yaml'
import { type Context, type Renderer, createApp, defaultRenderers, escapeHtml, htmlRenderer, jsonRenderer, xmlRenderer } from '../index.js'
import { consoleLogger } from '../utils/console-logger.js'

const user = { id: 7, name: 'Ada <script>', tags: ['a', 'b'], since: new Date('2025-01-01T00:00:00Z'), none: null }

function app(handler: (c: Context) => unknown, renderers?: Renderer[]) {
  const a = createApp({ mode: 'test', logger: consoleLogger('silent'), renderers })
  a.get('/u', handler)
  return a
}

const get = (a: ReturnType<typeof app>, accept?: string) => a.request('/u', { headers: accept === undefined ? {} : { accept } })

describe('c.render(): negotiation among the default formats', () => {
  const a = app((c) => c.render(user))
  const cases: Array<[string | undefined, string]> = [
    [undefined, 'application/json'],
    ['*/*', 'application/json'],
    ['application/json', 'application/json'],
    ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 'text/html; charset=utf-8'],
    ['text/plain', 'text/plain; charset=utf-8'],
    ['text/*', 'text/plain; charset=utf-8'],
    ['application/xml', 'application/xml'],
    ['application/json;q=0.5, application/xml', 'application/xml'],
    ['text/html;q=0, */*', 'application/json'],
    ['TEXT/HTML', 'text/html; charset=utf-8'],
  ]
  for (const [accept, type] of cases) {
    it(`Accept ${JSON.stringify(accept)} → ${type}`, async () => {
      const res = await get(a, accept)
      assert.equal(res.status, 200)
      assert.equal(res.headers.get('content-type'), type)
      assert.equal(res.headers.get('vary'), 'Accept')
    })
  }

  it('406 ERR_RENDER_NOT_ACCEPTABLE with the available types when nothing fits', async () => {
    const res = await get(a, 'image/png')
    assert.equal(res.status, 406)
    const text = await res.text()
    assert.match(text, /ERR_RENDER_NOT_ACCEPTABLE/)
    const json = await (await a.request('/u', { headers: { accept: 'image/png, application/json;q=0' } })).text()
    assert.match(json, /ERR_RENDER_NOT_ACCEPTABLE/)
  })

  it('sets the status given', async () => {
    assert.equal((await get(app((c) => c.render({ ok: true }, { status: 201 })))).status, 201)
  })
})

describe('c.render(): the built-in formats', () => {
  const a = app((c) => c.render(user))
  it('JSON', async () => assert.deepEqual(await (await get(a, 'application/json')).json(), JSON.parse(JSON.stringify(user))))

  it('text: strings as they are, objects as indented JSON', async () => {
    assert.equal(await (await get(app((c) => c.render('plain words')), 'text/plain')).text(), 'plain words')
    assert.equal(await (await get(a, 'text/plain')).text(), JSON.stringify(user, null, 2))
  })

  it('HTML: the default view escapes everything; a template renders its own markup', async () => {
    const page = await (await get(a, 'text/html')).text()
    assert.match(page, /<pre>/)
    assert.match(page, /Ada &lt;script&gt;/)
    assert.doesNotMatch(page, /<script>/)
    const custom = app((c) => c.render(user), [htmlRenderer((u) => `<h1>${(u as typeof user).id}</h1>`)])
    assert.equal(await (await get(custom, 'text/html')).text(), '<h1>7</h1>')
  })

  it('XML: elements, <item> for arrays and odd keys, escaped text, toJSON for dates', async () => {
    const xml = await (await get(a, 'application/xml')).text()
    assert.equal(
      xml,
      '<?xml version="1.0" encoding="UTF-8"?>\n<response><id>7</id><name>Ada &lt;script&gt;</name><tags><item>a</item><item>b</item></tags><since>2025-01-01T00:00:00.000Z</since><none/></response>',
    )
    const odd = xmlRenderer({ root: 'r' }).render({ '1bad': 'x', xmlns: 'y', 'a"b': '\u0001' })
    assert.equal(odd, '<?xml version="1.0" encoding="UTF-8"?>\n<r><item key="1bad">x</item><item key="xmlns">y</item><item key="a&quot;b">\ufffd</item></r>')
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    assert.throws(() => xmlRenderer().render(cyclic), TypeError)
  })
})

describe('c.render(): a format added through the Renderer interface', () => {
  const yaml: Renderer = { type: 'application/yaml', render: (v) => YAML.stringify(v) }
  const msgpack: Renderer = { type: 'application/msgpack', render: (v) => encode(v) }
  const a = app((c) => c.render({ id: 7, tags: ['a', 'b'] }), [...defaultRenderers(), yaml, msgpack])

  it('YAML through the yaml package', async () => {
    const res = await get(a, 'application/yaml')
    assert.equal(res.headers.get('content-type'), 'application/yaml')
    assert.deepEqual(YAML.parse(await res.text()), { id: 7, tags: ['a', 'b'] })
  })

  it('msgpack (bytes) through @msgpack/msgpack', async () => {
    const res = await get(a, 'application/msgpack')
    assert.equal(res.headers.get('content-type'), 'application/msgpack')
    assert.deepEqual(decode(new Uint8Array(await res.arrayBuffer())), { id: 7, tags: ['a', 'b'] })
  })

  it('per call: renderers given to c.render replace the app list', async () => {
    const only = app((c) => c.render({ a: 1 }, { renderers: [yaml] }))
    assert.equal((await get(only, 'application/json')).status, 406)
    assert.equal(await (await get(only)).text(), 'a: 1\n')
  })

  it('createApp refuses a malformed renderer list with TypeError', () => {
    assert.throws(() => createApp({ renderers: [] }), TypeError)
    assert.throws(() => createApp({ renderers: [{ type: 'yaml', render: String }] }), TypeError)
    assert.throws(() => createApp({ renderers: [{ type: 'application/yaml' } as Renderer] }), TypeError)
    assert.doesNotThrow(() => createApp({ renderers: [jsonRenderer({ space: 2 })] }))
  })
})

describe('escapeHtml', () => {
  it('escapes the five characters anywhere: first, last, in a row, among other text', () => {
    assert.equal(escapeHtml('<b>"hi"</b>'), '&lt;b&gt;&quot;hi&quot;&lt;/b&gt;')
    assert.equal(escapeHtml("&&''"), '&amp;&amp;&#39;&#39;')
    assert.equal(escapeHtml('a < b'), 'a &lt; b')
    assert.equal(escapeHtml('é — <x>'), 'é — &lt;x&gt;')
    assert.equal(escapeHtml('&amp;'), '&amp;amp;')
  })

  it('gives back text with nothing to escape as it is', () => {
    for (const s of ['', 'fortune: No such file or directory', 'naïve 日本語 🎉']) assert.equal(escapeHtml(s), s)
  })

  it('agrees with a plain replace on mixed text', () => {
    const reference = (s: string) =>
      s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!)
    const alphabet = ['a', ' ', '&', '<', '>', '"', "'", 'é', '🎉', '\n']
    let seed = 7
    for (let n = 0; n < 500; n++) {
      let s = ''
      for (let k = 0; k < n % 40; k++) {
        seed = (seed * 1103515245 + 12345) % 2147483648
        s += alphabet[seed % alphabet.length]
      }
      assert.equal(escapeHtml(s), reference(s), JSON.stringify(s))
    }
  })
})
