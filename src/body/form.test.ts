// urlencoded bodies: flat and bracket keys, repeated names, limits, conflicts.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { parseForm } from './form.js'

describe('parseForm', () => {
  const cases: Array<[string, unknown]> = [
    ['', {}],
    ['a=1', { a: '1' }],
    ['a=1&a=2&a=3', { a: ['1', '2', '3'] }],
    ['q=a+b%20c&e=%zz', { q: 'a b c', e: '%zz' }],
    ['tags[]=x', { tags: ['x'] }],
    ['tags[]=x&tags[]=y', { tags: ['x', 'y'] }],
    ['user[name]=Ada&user[langs][]=en&user[address][city]=Paris', { user: { name: 'Ada', langs: ['en'], address: { city: 'Paris' } } }],
    ['items[0][id]=1&items[1][id]=2', { items: { 0: { id: '1' }, 1: { id: '2' } } }],
    ['[a]=1&a]=2&a[b=3&a[b[c]]=4', { '[a]': '1', 'a]': '2', 'a[b': '3', 'a[b[c]]': '4' }],
    ['__proto__=x&constructor[prototype][p]=1', JSON.parse('{"__proto__":"x","constructor":{"prototype":{"p":"1"}}}')],
    ['empty=&=novalue', { empty: '', '': 'novalue' }],
  ]
  for (const [text, expected] of cases) {
    it(JSON.stringify(text), () => {
      const got = parseForm(text, 1000, 5)
      assert.equal(JSON.stringify(got), JSON.stringify(expected))
      assert.equal(Object.getPrototypeOf(got), null)
    })
  }

  it('keeps Object.prototype clean whatever the keys', () => {
    parseForm('__proto__[polluted]=1&constructor[prototype][polluted]=1', 1000, 5)
    assert.equal(({} as Record<string, unknown>).polluted, undefined)
  })

  const errors: Array<[string, number, number, string, number]> = [
    ['a=1&b=2&c=3', 2, 5, 'ERR_BODY_TOO_MANY_FIELDS', 413],
    ['a[b][c][d]=1', 1000, 2, 'ERR_BODY_FORM_TOO_DEEP', 400],
    ['a=1&a[b]=2', 1000, 5, 'ERR_BODY_INVALID_FORM', 400],
    ['a[b]=1&a=2', 1000, 5, 'ERR_BODY_INVALID_FORM', 400],
    ['a[][b]=1', 1000, 5, 'ERR_BODY_INVALID_FORM', 400],
  ]
  for (const [text, fields, depth, code, status] of errors) {
    it(`${text} (fields ${fields}, depth ${depth}) → ${status} ${code}`, () => {
      assert.throws(() => parseForm(text, fields, depth), (e: { code: string; status: number }) => e.code === code && e.status === status)
    })
  }

  it('counts parameters before decoding any (a million & is refused without decoding one)', () => {
    // The decoding is URLSearchParams: a stand-in counts whether it was ever built.
    const real = globalThis.URLSearchParams
    let decoded = 0
    globalThis.URLSearchParams = class extends real {
      constructor(...args: ConstructorParameters<typeof URLSearchParams>) {
        super(...args)
        decoded++
      }
    }
    try {
      assert.throws(() => parseForm('&'.repeat(1_000_000), 1000, 5), /more than 1000 parameters/)
      assert.equal(decoded, 0, 'refused before decoding')
      parseForm('a=1', 1000, 5)
      assert.equal(decoded, 1, 'the stand-in sees a decode')
    } finally {
      globalThis.URLSearchParams = real
    }
  })
})
