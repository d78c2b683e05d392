// JSON bodies: the depth scan, where errors are reported, the prototype-poisoning policy.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { errorAt, jsonTooDeep, parseJson } from './json.js'

describe('jsonTooDeep', () => {
  const cases: Array<[string, string, number, boolean]> = [
    ['flat', '{"a":1}', 1, false],
    ['exactly the limit', '[[[1]]]', 3, false],
    ['one past', '[[[[1]]]]', 3, true],
    ['objects and arrays mixed', '{"a":[{"b":[1]}]}', 3, true],
    ['brackets in strings ignored', '["[[[[[[[[[["]', 1, false],
    ['escaped quotes inside strings', '["\\"[[[[[[", 1]', 1, false],
    ['escaped backslash before a closing quote', '["a\\\\", [[[1]]]]', 3, true],
    ['siblings do not add up', '[[1],[2],[3],[4],[5]]', 2, false],
    ['unterminated string stops the scan', '["[[[[[[', 1, false],
    ['long strings (native search) skip their brackets', `["${'['.repeat(100)}"]`, 1, false],
    ['long string with an escaped quote inside', `["${'a'.repeat(40)}\\"${'['.repeat(10)}", [[1]]]`, 3, false],
    ['… and what follows it still counts', `["${'a'.repeat(40)}\\"${'['.repeat(10)}", [[1]]]`, 2, true],
    ['long string ending in an escaped backslash', `["${'a'.repeat(40)}\\\\", [[[1]]]]`, 3, true],
    ['Infinity turns it off', '[[[[[[1]]]]]]', Number.POSITIVE_INFINITY, false],
  ]
  for (const [name, text, max, deep] of cases) it(name, () => assert.equal(jsonTooDeep(Buffer.from(text), max), deep))
})

describe('errorAt (position of the first syntax error)', () => {
  const cases: Array<[string, number]> = [
    ['{"a":}', 5],
    ['[1,2,]', 5],
    ['{"a" 1}', 5],
    ['{"a":1,}', 7],
    ['{"a":tru}', 5],
    ['["\\x"]', 2],
    ['["a\u0001"]', 3],
    ['[1]x', 3],
    ['{"a":[1,{"b":2}]]', 16],
    ['[01]', 2],
    ['"open', 5],
    ['', 0],
  ]
  for (const [text, pos] of cases) {
    it(JSON.stringify(text), () => {
      assert.throws(() => JSON.parse(text))
      assert.equal(errorAt(text), pos)
    })
  }
})

describe('parseJson', () => {
  it('reports the position V8 gives, or finds it', () => {
    for (const [text, pos] of [
      ['{"a":1', 6],
      ['{"a":}', 5],
    ] as const) {
      assert.throws(() => parseJson(text, 'error'), (e: { code: string; details: { position: number } }) => {
        assert.equal(e.code, 'ERR_BODY_INVALID_JSON')
        assert.equal(e.details.position, pos)
        return true
      })
    }
  })

  it('does not echo the body back in the message', () => {
    assert.throws(() => parseJson('{"secret":"hunter2",}', 'error'), (e: Error) => !e.message.includes('hunter2'))
  })

  it('removes nested poisoned keys with remove, at any depth, without touching Object.prototype', () => {
    const v = parseJson('[{"a":{"__proto__":{"x":1},"constructor":{"prototype":{"y":1}},"keep":true}}]', 'remove') as Array<{
      a: Record<string, unknown>
    }>
    assert.deepEqual(Object.keys(v[0]!.a), ['keep'])
    assert.equal(({} as Record<string, unknown>).x, undefined)
  })
})
