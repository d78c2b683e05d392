// Content-Type, Content-Encoding, limits and options: parsing and checking.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { decodeText, isJson, mediaType } from './content-type.js'
import { DEFAULT_DECODERS, decodersFor } from './decoders.js'
import { DEFAULT_LIMITS, MiB, resolveLimits } from './limits.js'
import { parserFor, resolveBody } from './settings.js'

describe('mediaType', () => {
  const cases: Array<[string | undefined, string, string | undefined]> = [
    [undefined, '', undefined],
    ['application/json', 'application/json', undefined],
    ['Application/JSON; Charset="UTF-8"', 'application/json', 'utf-8'],
    ['text/plain;charset=iso-8859-1;format=flowed', 'text/plain', 'iso-8859-1'],
    ['multipart/form-data; boundary=x; charset=utf-8', 'multipart/form-data', 'utf-8'],
    ['text/plain; foo=bar', 'text/plain', undefined],
  ]
  for (const [header, type, charset] of cases) it(String(header), () => assert.deepEqual(mediaType(header), { type, charset }))
  it('answers a header seen before the same way, after others in between', () => {
    const latin = 'Text/Plain; charset=ISO-8859-1'
    assert.deepEqual(mediaType(latin), { type: 'text/plain', charset: 'iso-8859-1' })
    assert.deepEqual(mediaType('application/json'), { type: 'application/json', charset: undefined })
    assert.deepEqual(mediaType(latin), { type: 'text/plain', charset: 'iso-8859-1' })
    assert.ok(Object.isFrozen(mediaType(latin)))
  })

  it('knows JSON types', () => {
    assert.deepEqual(['application/json', 'application/ld+json', 'text/json', 'application/jsonx'].map(isJson), [true, true, false, false])
  })

  it('decodes text by charset', () => {
    assert.equal(decodeText(Buffer.from([0xef, 0xbb, 0xbf, 0x68, 0x69]), undefined), 'hi')
    assert.equal(decodeText(Buffer.from([0xe9]), 'latin1'), 'é')
    assert.throws(() => decodeText(Buffer.from('x'), 'nope'), { code: 'ERR_BODY_UNSUPPORTED_CHARSET', status: 415 })
  })
})

describe('decodersFor', () => {
  it('applies codings in reverse order, skips identity, refuses unknown ones and more than two', () => {
    assert.equal(decodersFor(undefined, DEFAULT_DECODERS), undefined)
    assert.equal(decodersFor('identity', DEFAULT_DECODERS), undefined)
    assert.deepEqual(decodersFor('gzip, br', DEFAULT_DECODERS), [DEFAULT_DECODERS.br, DEFAULT_DECODERS.gzip])
    assert.deepEqual(decodersFor('GZIP', DEFAULT_DECODERS), [DEFAULT_DECODERS.gzip])
    assert.throws(() => decodersFor('compress', DEFAULT_DECODERS), { code: 'ERR_BODY_UNSUPPORTED_ENCODING', status: 415 })
    assert.throws(() => decodersFor('gzip, gzip, gzip', DEFAULT_DECODERS), { code: 'ERR_BODY_UNSUPPORTED_ENCODING' })
    assert.throws(() => decodersFor('__proto__', DEFAULT_DECODERS), { code: 'ERR_BODY_UNSUPPORTED_ENCODING' })
  })
})

describe('limits and options', () => {
  it('defaults to 1 MiB and the documented limits', () => {
    assert.deepEqual(DEFAULT_LIMITS, { body: MiB, jsonDepth: 64, fields: 1000, formDepth: 5, fieldSize: MiB, files: 10, fileSize: Number.POSITIVE_INFINITY })
  })

  it('merges over a base and refuses bad values with TypeError', () => {
    assert.equal(resolveLimits({ body: 5 }, resolveLimits({ files: 2 })).files, 2)
    for (const bad of [{ body: -1 }, { body: '1mb' }, { body: Number.NaN }, { what: 1 }]) {
      assert.throws(() => resolveLimits(bad as never), TypeError)
    }
    assert.throws(() => resolveBody({ protoAction: 'strip' as never }), TypeError)
    assert.throws(() => resolveBody({ decoders: { zstd: 'yes' as never } }), TypeError)
    assert.throws(() => resolveBody({ parsers: { csv: () => 1 } }), /not a media type/)
  })

  it('finds parsers exact, then type/*, then */*; false turns one off', () => {
    const exact = () => 'exact'
    const wild = () => 'wild'
    const { parsers } = resolveBody({ parsers: { 'text/csv': exact, 'text/*': wild, 'application/json': false } })
    assert.equal(parserFor(parsers, 'text/csv'), exact)
    assert.equal(parserFor(parsers, 'text/tab-separated-values'), wild)
    assert.equal(parserFor(parsers, 'application/json'), false)
    assert.equal(parserFor(parsers, 'image/png'), undefined)
  })
})
