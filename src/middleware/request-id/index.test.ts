import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type App, createApp } from '../../index.js'
import { consoleLogger } from '../../utils/console-logger.js'
import { type RequestIdOptions, requestId } from './index.js'

const ID = /^[A-Za-z0-9_-]{12}-[0-9a-z]+$/

function app(options?: RequestIdOptions): App {
  const a = createApp({ mode: 'test', logger: consoleLogger('silent') })
  a.use(requestId(options))
  a.get('/', (c) => ({ id: c.requestId }))
  a.get('/boom', () => {
    throw new Error('boom')
  })
  return a
}

async function idOf(a: App, headers: Record<string, string> = {}, path = '/'): Promise<{ header: string | null; body: unknown }> {
  const res = await a.request(path, { headers })
  const body = path === '/' ? ((await res.json()) as { id: string }).id : await res.text()
  return { header: res.headers.get('x-request-id'), body }
}

describe('requestId', () => {
  it('generates a <prefix>-<counter> id when none is sent, sets c.requestId and echoes it', async () => {
    const { header, body } = await idOf(app())
    assert.match(header ?? '', ID)
    assert.equal(body, header)
    const again = await idOf(app())
    assert.notEqual(again.header, header)
  })

  it('keeps a well-formed incoming id', async () => {
    for (const id of ['abc', 'a.b_c-d:e', 'x'.repeat(128), '0af7651916cd43dd8448eb211c80319c']) {
      const { header, body } = await idOf(app(), { 'x-request-id': id })
      assert.deepEqual([header, body], [id, id])
    }
  })

  it('replaces an incoming id that is too long or has characters outside [A-Za-z0-9._:-]', async () => {
    for (const id of ['x'.repeat(129), 'a b', 'a<script>', 'café', 'a/b', '"q"', 'a,b']) {
      const { header } = await idOf(app(), { 'x-request-id': id })
      assert.match(header ?? '', ID, `replaced ${JSON.stringify(id)}`)
    }
  })

  it('honours maxLength, trustIncoming, header and generate', async () => {
    assert.match((await idOf(app({ maxLength: 4 }), { 'x-request-id': 'abcde' })).header ?? '', ID)
    assert.match((await idOf(app({ trustIncoming: false }), { 'x-request-id': 'abc' })).header ?? '', ID)
    let n = 0
    const custom = app({ header: 'X-Correlation-Id', generate: () => `req-${++n}` })
    const res = await custom.request('/', { headers: { 'x-request-id': 'ignored' } })
    assert.equal(res.headers.get('x-correlation-id'), 'req-1')
    assert.equal(((await res.json()) as { id: string }).id, 'req-1')
  })

  it('is on error answers too', async () => {
    const a = app()
    const boom = await a.request('/boom')
    assert.equal(boom.status, 500)
    assert.match(boom.headers.get('x-request-id') ?? '', ID)
    const miss = await a.request('/nope', { headers: { 'x-request-id': 'm-1' } })
    assert.deepEqual([miss.status, miss.headers.get('x-request-id')], [404, 'm-1'])
  })

  it('skip() leaves the request without an id', async () => {
    const { header, body } = await idOf(app({ skip: () => true }))
    assert.deepEqual([header, body], [null, undefined])
  })

  it('refuses bad options when built', () => {
    assert.throws(() => requestId({ header: 'bad header' }), TypeError)
    assert.throws(() => requestId({ maxLength: 0 }), TypeError)
    assert.throws(() => requestId({ maxLength: 1.5 }), TypeError)
    assert.throws(() => requestId({ generate: 'uuid' as never }), TypeError)
    assert.throws(() => requestId({ skip: 1 as never }), TypeError)
  })

  it('a generator returning an empty id is a 500, not a silent empty header', async () => {
    const res = await app({ generate: () => '' }).request('/')
    assert.equal(res.status, 500)
  })
})
