import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createApp } from '../index.js'
import { addVary, negotiate, negotiateEncoding } from './accepts.js'

describe('negotiate (Accept)', () => {
  const offers = ['application/json', 'text/html; charset=utf-8', 'text/plain']
  const cases: Array<[string | undefined, number]> = [
    [undefined, 0],
    ['', 0],
    ['*/*', 0],
    ['text/html', 1],
    ['text/*', 1],
    ['text/*, text/plain', 2],
    ['text/plain;q=0.4, application/json;q=0.3', 2],
    ['text/*;q=0.5, application/json;q=0.5', 0],
    ['text/html;q=0.9, text/plain;q=0.9', 1],
    ['text/plain, text/html', 2],
    ['application/json;q=0, */*', 1],
    ['image/png', -1],
    ['application/json;q=2', -1],
    ['application/json;q=abc, text/plain', 2],
    ['text/html;level=1;q=0.8, application/json;q=0.7', 1],
    ['garbage', -1],
  ]
  for (const [accept, want] of cases) {
    it(`${JSON.stringify(accept)} → ${want === -1 ? 'none' : offers[want]}`, () => assert.equal(negotiate(accept, offers), want))
  }
})

describe('c.req.accepts()', () => {
  it('answers with the given name, short or full, or undefined', async () => {
    const app = createApp({ mode: 'test' })
    app.get('/', (c) => ({ pick: c.req.accepts('json', 'html') ?? null, full: c.req.accepts('text/csv', 'xml') ?? null }))
    const ask = async (accept: string) => (await app.request('/', { headers: { accept } })).json()
    assert.deepEqual(await ask('text/html'), { pick: 'html', full: null })
    assert.deepEqual(await ask('application/json, text/csv;q=0.5, application/xml'), { pick: 'json', full: 'xml' })
    assert.deepEqual(await ask('*/*'), { pick: 'json', full: 'text/csv' })
  })
})

describe('negotiateEncoding (Accept-Encoding)', () => {
  const cases: Array<[string | undefined, string | undefined]> = [
    [undefined, undefined],
    ['gzip, br', 'br'],
    ['gzip, br;q=0.9', 'gzip'],
    ['x-gzip', 'gzip'],
    ['*', 'br'],
    ['br;q=0, *', 'gzip'],
    ['identity', undefined],
    ['deflate', undefined],
  ]
  for (const [h, want] of cases) it(`${JSON.stringify(h)} → ${want}`, () => assert.equal(negotiateEncoding(h, ['br', 'gzip']), want))
})

describe('addVary', () => {
  it('adds a field once, case-insensitively, and leaves * alone', () => {
    const headers = new Map<string, string>()
    const res = { get: (n: string) => headers.get(n), set: (n: string, v: string) => headers.set(n, v) }
    addVary(res, 'Accept')
    addVary(res, 'accept')
    addVary(res, 'Accept-Encoding')
    assert.equal(headers.get('vary'), 'Accept, Accept-Encoding')
    headers.set('vary', '*')
    addVary(res, 'Accept')
    assert.equal(headers.get('vary'), '*')
  })
})
