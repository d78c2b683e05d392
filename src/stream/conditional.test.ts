import assert from 'node:assert/strict'
import type { IncomingHttpHeaders } from 'node:http'
import { describe, it } from 'node:test'
import fresh from 'fresh'
import rangeParser from 'range-parser'
import { isFresh, parseRange, preconditionFails, rangeApplies } from './conditional.js'

// The reference packages are dev-time oracles here: the core implements the same rules without them.
describe('parseRange agrees with range-parser (combine mode)', () => {
  const headers = [
    'bytes=0-0', 'bytes=0-99', 'bytes=100-', 'bytes=-100', 'bytes=-2000', 'bytes=900-2000', 'bytes=1000-',
    'bytes=999-999', 'bytes=5-1', 'bytes=0-1,2-3', 'bytes=0-10,5-20', 'bytes=0-1, 3-4', 'bytes=-0', 'bytes=',
    'bytes=a-b', 'bytes=1-b', 'bytes=--1', 'bytes= 0 - 1 ', 'bytes=0-1,,2-3', 'bytes=500-600,0-10,590-700',
    'bytes=0-499,-500', 'bytes=1e3-', 'bytes=+1-2', 'bytes=0-0x10', 'bytes=-',
  ]
  for (const size of [0, 1, 1000]) {
    for (const h of headers) {
      it(`size ${size}: ${JSON.stringify(h)}`, () => {
        const want = rangeParser(size, h, { combine: true })
        const got = parseRange(size, h)
        assert.deepEqual(got, typeof want === 'number' ? want : [...want])
      })
    }
  }

  it('ignores other units and too many ranges (-2: send the whole file)', () => {
    assert.equal(parseRange(100, 'items=0-1'), -2)
    assert.equal(parseRange(100, 'no-equals'), -2)
    assert.equal(parseRange(1000, Array.from({ length: 101 }, (_, i) => `${i}-${i}`).join(',').replace(/^/, 'bytes=')), -2)
    assert.deepEqual(parseRange(100, 'BYTES=0-1'), [{ start: 0, end: 1 }], 'the unit is case-insensitive (RFC 9110 §14.1)')
  })
})

describe('isFresh agrees with fresh', () => {
  const etag = '"abc"'
  const lastModified = 'Wed, 01 Jan 2025 00:00:00 GMT'
  const reqs: IncomingHttpHeaders[] = [
    {},
    { 'if-none-match': '"abc"' },
    { 'if-none-match': 'W/"abc"' },
    { 'if-none-match': '"x", "abc"' },
    { 'if-none-match': '"x"' },
    { 'if-none-match': '*' },
    { 'if-none-match': '"abc"', 'cache-control': 'no-cache' },
    { 'if-none-match': '"abc"', 'cache-control': 'max-age=0, no-cache' },
    { 'if-modified-since': lastModified },
    { 'if-modified-since': 'Thu, 02 Jan 2025 00:00:00 GMT' },
    { 'if-modified-since': 'Tue, 31 Dec 2024 00:00:00 GMT' },
    { 'if-modified-since': 'garbage' },
    { 'if-none-match': '"x"', 'if-modified-since': 'Thu, 02 Jan 2025 00:00:00 GMT' },
  ]
  for (const req of reqs) {
    for (const res of [{ etag, 'last-modified': lastModified }, { etag: `W/${etag}` }, {}]) {
      it(`${JSON.stringify(req)} vs ${JSON.stringify(res)}`, () => {
        assert.equal(isFresh(req, { etag: res.etag, lastModified: res['last-modified'] }), fresh(req, res))
      })
    }
  }
})

describe('preconditions and If-Range', () => {
  const v = { etag: '"a"', lastModified: 'Wed, 01 Jan 2025 00:00:00 GMT' }
  it('If-Match: strong comparison, * passes, a weak validator never matches (RFC 9110 §13.1.1)', () => {
    assert.equal(preconditionFails({ 'if-match': '"a"' }, v), false)
    assert.equal(preconditionFails({ 'if-match': '"b", "a"' }, v), false)
    assert.equal(preconditionFails({ 'if-match': '*' }, v), false)
    assert.equal(preconditionFails({ 'if-match': '"b"' }, v), true)
    assert.equal(preconditionFails({ 'if-match': 'W/"a"' }, { etag: 'W/"a"' }), true)
  })

  it('If-Unmodified-Since fails when modified later; ignored when If-Match is present', () => {
    assert.equal(preconditionFails({ 'if-unmodified-since': 'Tue, 31 Dec 2024 00:00:00 GMT' }, v), true)
    assert.equal(preconditionFails({ 'if-unmodified-since': v.lastModified }, v), false)
    assert.equal(preconditionFails({ 'if-match': '"a"', 'if-unmodified-since': 'Tue, 31 Dec 2024 00:00:00 GMT' }, v), false)
  })

  it('If-Range: a strong ETag match or the exact Last-Modified date; anything else sends the whole file', () => {
    assert.equal(rangeApplies(undefined, v), true)
    assert.equal(rangeApplies('"a"', v), true)
    assert.equal(rangeApplies('"b"', v), false)
    assert.equal(rangeApplies('W/"a"', { etag: 'W/"a"' }), false)
    assert.equal(rangeApplies(v.lastModified, v), true)
    assert.equal(rangeApplies('Thu, 02 Jan 2025 00:00:00 GMT', v), false)
  })
})
