import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { latencyHuman, sizeHuman } from './human.js'

describe('sizeHuman', () => {
  const table: Array<[number, string]> = [
    [0, '0B'],
    [17, '17B'],
    [1023, '1023B'],
    [1024, '1KB'],
    [1536, '1.5KB'],
    [5_242_880, '5MB'],
    [1_073_741_824, '1GB'],
    [1.5 * 1024 ** 4, '1.5TB'],
    [-1, '-'],
    [Number.NaN, '-'],
  ]
  for (const [bytes, text] of table) it(`${bytes} → ${text}`, () => assert.equal(sizeHuman(bytes), text))
})

describe('latencyHuman', () => {
  const table: Array<[number, string]> = [
    [0, '0µs'],
    [0.28073, '280.73µs'],
    [0.5, '500µs'],
    [1, '1ms'],
    [12.3456, '12.35ms'],
    [999.994, '999.99ms'],
    [1500, '1.5s'],
    [-1, '-'],
  ]
  for (const [ms, text] of table) it(`${ms} ms → ${text}`, () => assert.equal(latencyHuman(ms), text))
})
