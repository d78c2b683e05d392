import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { directives, requestRules } from './policy.js'

describe('cache: Cache-Control parsing (RFC 9111 §5.2)', () => {
  const table: Array<[string | string[] | undefined, Record<string, string | true>]> = [
    [undefined, {}],
    ['', {}],
    ['no-store', { 'no-store': true }],
    ['Public, MAX-AGE=60', { public: true, 'max-age': '60' }],
    ['max-age = 5 , s-maxage=1', { 'max-age': '5', 's-maxage': '1' }],
    ['private="set-cookie, x-a", max-age=1', { private: 'set-cookie, x-a', 'max-age': '1' }],
    [['max-age=1', 'max-age=9, no-cache'], { 'max-age': '1', 'no-cache': true }],
  ]
  for (const [input, expected] of table) {
    it(`${JSON.stringify(input)} → ${JSON.stringify(expected)}`, () => {
      assert.deepEqual(Object.fromEntries(directives(input)), expected)
    })
  }

  it('reads request directives; Pragma counts only without Cache-Control (§5.4)', () => {
    assert.deepEqual(requestRules({}), { noStore: false, noCache: false, maxAge: undefined })
    assert.deepEqual(requestRules({ 'cache-control': 'max-age=0' }), { noStore: false, noCache: true, maxAge: 0 })
    assert.deepEqual(requestRules({ 'cache-control': 'no-store' }), { noStore: true, noCache: false, maxAge: undefined })
    assert.equal(requestRules({ pragma: 'no-cache' }).noCache, true)
    assert.equal(requestRules({ pragma: 'no-cache', 'cache-control': 'max-age=5' }).noCache, false)
    assert.equal(requestRules({ 'cache-control': 'max-age=abc' }).maxAge, undefined)
  })
})
