// JSON bodies: the depth scan, where errors are reported, the prototype-poisoning policy.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { checkJsonCharset, errorAt, jsonTooDeep, parseJson } from './json.js'

describe('checkJsonCharset (RFC 8259 §8.1: JSON is UTF-8)', () => {
  const utf16le = (s: string) => Buffer.from(s, 'utf16le')
  const utf16be = (s: string) => utf16le(s).swap16()
  const utf32 = (s: string, le: boolean) => {
    const b = Buffer.alloc(s.length * 4)
    for (let i = 0; i < s.length; i++) le ? b.writeUInt32LE(s.charCodeAt(i), i * 4) : b.writeUInt32BE(s.charCodeAt(i), i * 4)
    return b
  }
  // [name, bytes, charset parameter, the charset refused or undefined when it passes]
  const cases: Array<[string, Uint8Array, string | undefined, string | undefined]> = [
    ['UTF-8 without a charset passes', Buffer.from('{"é":1}'), undefined, undefined],
    ['UTF-8 with a UTF-8 byte-order mark passes', Buffer.from('\ufeff{"a":1}'), undefined, undefined],
    ['charset=utf-8 passes', Buffer.from('[1]'), 'utf-8', undefined],
    ['charset=utf8 passes', Buffer.from('[1]'), 'utf8', undefined],
    ['an empty body passes (JSON.parse reports it)', Buffer.alloc(0), undefined, undefined],
    ['one byte passes', Buffer.from('1'), undefined, undefined],
    ['UTF-16LE with its byte-order mark', utf16le('\ufeff{"a":1}'), undefined, 'utf-16le'],
    ['UTF-16BE with its byte-order mark', utf16be('\ufeff{"a":1}'), undefined, 'utf-16be'],
    ['UTF-32LE with its byte-order mark', utf32('\ufeff{}', true), undefined, 'utf-32le'],
    ['UTF-32BE with its byte-order mark', utf32('\ufeff{}', false), undefined, 'utf-32be'],
    ['UTF-16LE without a mark (RFC 4627 §3 zeros)', utf16le('{"a":1}'), undefined, 'utf-16le'],
    ['UTF-16BE without a mark', utf16be('[1]'), undefined, 'utf-16be'],
    ['UTF-32LE without a mark', utf32('1', true), undefined, 'utf-32le'],
    ['UTF-32BE without a mark', utf32('[1]', false), undefined, 'utf-32be'],
    ['a UTF-16 byte-order mark under charset=utf-8', utf16le('\ufeff[]'), 'utf-8', 'utf-16le'],
    ['charset=utf-16 (even on UTF-8 bytes)', Buffer.from('{}'), 'utf-16', 'utf-16'],
    ['charset=utf-16le', utf16le('{}'), 'utf-16le', 'utf-16le'],
    ['charset=iso-8859-1', Buffer.from('{}'), 'iso-8859-1', 'iso-8859-1'],
  ]
  for (const [name, bytes, charset, refused] of cases) {
    it(name, () => {
      if (refused === undefined) return void checkJsonCharset(bytes, charset)
      assert.throws(
        () => checkJsonCharset(bytes, charset),
        (e: { code: string; status: number; message: string; details: { charset: string } }) => {
          assert.equal(e.code, 'ERR_BODY_UNSUPPORTED_CHARSET')
          assert.equal(e.status, 415)
          assert.equal(e.details.charset, refused)
          assert.ok(e.message.includes(refused.toUpperCase()), e.message)
          return true
        },
      )
    })
  }
})

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
    ['a long body with no more brackets than the limit (counted, not scanned)', `{"a":"${'x'.repeat(100)}","b":[1]}`, 2, false],
    ['one bracket over the limit in a long body is scanned, and deep', `${'['.repeat(4)}"${'x'.repeat(20)}"${']'.repeat(4)}`, 3, true],
    ['more brackets than the limit, all shallow', `[${'[1],'.repeat(30)}[2]]`, 2, false],
  ]
  for (const [name, text, max, deep] of cases) it(name, () => assert.equal(jsonTooDeep(text, max), deep))
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

  it('finds the keys however they are spelled: plain, partly or wholly \\u-escaped, before a spaced colon', () => {
    for (const text of [
      '{"__proto__" :{"x":1}}',
      '{"\\u005F\\u005fproto__":{"x":1}}',
      '{"a":"\\u00e9","constructor":{"prototype":{}}}',
      '{"\\u0063onstructo\\u0072":{"prototype":{}}}',
    ]) {
      assert.throws(() => parseJson(text, 'error'), (e: { code: string }) => e.code === 'ERR_BODY_PROTO_KEY', text)
    }
  })

  it('passes the names as values, and escapes elsewhere, untouched', () => {
    const text = '{"k":"__proto__","c":"constructor","e":"\\u00e9"}'
    assert.deepEqual(parseJson(text, 'error'), { k: '__proto__', c: 'constructor', e: 'é' })
  })
})
