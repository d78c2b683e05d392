import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Ring, Stats, pct } from './buffer.js'

const item = (id: number, bodyBytes = 0) => ({ id, bodyBytes })

describe('inspector Ring', () => {
  it('keeps the last N items, newest first', () => {
    const ring = new Ring(3, 1000)
    for (let i = 1; i <= 5; i++) ring.push(item(i))
    assert.deepEqual(
      ring.newestFirst().map((x) => x.id),
      [5, 4, 3],
    )
    assert.equal(ring.get(2), undefined)
    assert.equal(ring.get(4)?.id, 4)
  })

  it('drops the oldest items when the kept bodies pass the byte budget', () => {
    const ring = new Ring(10, 100)
    const items = [item(1, 40), item(2, 40), item(3, 40)]
    for (const x of items) {
      ring.push(x)
      ring.settle(x)
    }
    assert.deepEqual(
      ring.newestFirst().map((x) => x.id),
      [3, 2],
    )
    assert.equal(ring.bytes, 80)
  })

  it('does not count the bodies of an item evicted before it settled', () => {
    const ring = new Ring(1, 100)
    const a = item(1, 0)
    ring.push(a)
    ring.push(item(2))
    a.bodyBytes = 60
    ring.settle(a)
    assert.equal(ring.bytes, 0)
    assert.equal(a.bodyBytes, 0)
  })

  it('drops even the newest item when it alone is over the budget', () => {
    const ring = new Ring(10, 100)
    const big = item(1, 150)
    ring.push(big)
    ring.settle(big)
    assert.equal(ring.size, 0)
    assert.equal(ring.bytes, 0)
  })
})

describe('inspector Stats', () => {
  it('computes nearest-rank percentiles', () => {
    const cases: Array<[number[], number, number]> = [
      [[], 0.5, 0],
      [[7], 0.99, 7],
      [[1, 2, 3, 4], 0.5, 2],
      [[1, 2, 3, 4], 0.95, 4],
      [Array.from({ length: 100 }, (_, i) => i + 1), 0.95, 95],
      [Array.from({ length: 100 }, (_, i) => i + 1), 0.99, 99],
    ]
    for (const [values, p, want] of cases) assert.equal(pct(Float64Array.from(values), p), want, `${p} of ${values.length}`)
  })

  it('counts per tick by status class and keeps percentiles per route', () => {
    const s = new Stats()
    for (let i = 1; i <= 100; i++) s.add('/a', 200, i)
    s.add('/b', 404, 5)
    s.add(undefined, 500, 1)
    const snap = s.snapshot(3)
    assert.equal(snap.count, 102)
    assert.deepEqual(snap.status, [0, 100, 0, 1, 1])
    assert.equal(snap.inFlight, 3)
    const a = snap.routes.find((r) => r.route === '/a')!
    assert.deepEqual([a.p50, a.p95, a.p99, a.n], [50, 95, 99, 100])
    assert.ok(snap.routes.some((r) => r.route === '(none)'))
    const next = s.snapshot(0)
    assert.equal(next.count, 0, 'counts reset after a snapshot')
    assert.equal(next.routes.find((r) => r.route === '/a')?.p50, 50, 'latencies are a sliding window, not reset')
  })
})
