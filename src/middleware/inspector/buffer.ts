/** The inspector's memory: a ring of the last N requests whose kept bodies stay under a byte budget. */

/** Something the ring holds: its kept body bytes are counted against the budget. */
export interface Sized {
  readonly id: number
  /** Body bytes this item keeps (request + response), counted once it is {@link Ring.settle}d. */
  bodyBytes: number
}

/**
 * At most `max` items, newest last; when the items' kept body bytes pass `maxBytes`, the oldest items go
 * first (their bodies with them). Items come with increasing ids: a slot per `id % max`, so a push, a
 * lookup and an eviction are O(1) and allocate nothing.
 *
 * @example
 * const ring = new Ring<Entry>(200, 8 << 20)
 * ring.push(entry)            // may evict the oldest
 * ring.settle(entry)          // its bodies are known now: count them, evict to fit
 */
export class Ring<T extends Sized> {
  readonly #slots: Array<T | undefined>
  readonly #maxBytes: number
  #bytes = 0
  /** The id of the oldest item that may still be held, and one past the newest. */
  #first = 0
  #next = 0

  constructor(max: number, maxBytes: number) {
    this.#slots = new Array(max).fill(undefined)
    this.#maxBytes = maxBytes
  }

  /** Body bytes kept by the items held. */
  get bytes(): number {
    return this.#bytes
  }

  get size(): number {
    let n = 0
    for (const x of this.#slots) if (x !== undefined) n++
    return n
  }

  /** Adds an item (its bodies not counted yet; ids must increase); the oldest leaves when the ring is full. */
  push(item: T): void {
    const max = this.#slots.length
    if (this.#next === 0 && this.#first === 0) this.#first = item.id
    while (this.#first <= item.id - max) this.#evictOldest()
    const i = item.id % max
    if (this.#slots[i] !== undefined) this.#drop(i)
    this.#slots[i] = item
    this.#next = item.id + 1
  }

  /** Counts `item`'s bodies (if it is still held) and evicts the oldest items until the budget holds. */
  settle(item: T): void {
    if (this.get(item.id) !== item) {
      item.bodyBytes = 0
      return
    }
    this.#bytes += item.bodyBytes
    while (this.#bytes > this.#maxBytes && this.#first < this.#next) this.#evictOldest()
  }

  get(id: number): T | undefined {
    const x = this.#slots[id % this.#slots.length]
    return x?.id === id ? x : undefined
  }

  /** The items, newest first. */
  newestFirst(): T[] {
    const out: T[] = []
    for (let id = this.#next - 1; id >= this.#first; id--) {
      const x = this.get(id)
      if (x !== undefined) out.push(x)
    }
    return out
  }

  #evictOldest(): void {
    const i = this.#first % this.#slots.length
    if (this.#slots[i]?.id === this.#first) this.#drop(i)
    this.#first++
  }

  #drop(i: number): void {
    const x = this.#slots[i]!
    this.#slots[i] = undefined
    this.#bytes -= x.bodyBytes
  }
}

/** How many latencies per route the percentiles are computed over. */
const WINDOW = 512

/**
 * Per-route latencies (the last {@link WINDOW} of each route) and per-second counters for the live charts.
 *
 * @example
 * const s = new Stats()
 * s.add('/users/:id', 200, 3.2)
 * s.snapshot(inFlight) // { rps, status, inFlight, routes: [{ route, p50, p95, p99, n }] }
 */
export class Stats {
  readonly #routes = new Map<string, { values: Float64Array; n: number }>()
  #count = 0
  #status = [0, 0, 0, 0, 0]

  /** Records a finished request. At most 200 routes are tracked (unmatched paths share `(none)`). */
  add(route: string | undefined, status: number, latency: number): void {
    this.#count++
    const cls = Math.min(4, Math.max(0, Math.floor(status / 100) - 1))
    this.#status[cls]!++
    const key = route ?? '(none)'
    let r = this.#routes.get(key)
    if (r === undefined) {
      if (this.#routes.size >= 200) return
      r = { values: new Float64Array(WINDOW), n: 0 }
      this.#routes.set(key, r)
    }
    r.values[r.n++ % WINDOW] = latency
  }

  /** The counts since the last snapshot (then reset) and the percentiles per route. */
  snapshot(inFlight: number): StatsSnapshot {
    const routes = [...this.#routes].map(([route, r]) => {
      const vals = r.values.slice(0, Math.min(r.n, WINDOW)).sort()
      return { route, n: r.n, p50: pct(vals, 0.5), p95: pct(vals, 0.95), p99: pct(vals, 0.99) }
    })
    const out = { t: Date.now(), count: this.#count, status: this.#status, inFlight, routes }
    this.#count = 0
    this.#status = [0, 0, 0, 0, 0]
    return out
  }
}

/** One tick of the live charts. */
export interface StatsSnapshot {
  /** Epoch ms. */
  t: number
  /** Requests finished since the previous tick. */
  count: number
  /** Finished since the previous tick by class: 1xx, 2xx, 3xx, 4xx, 5xx. */
  status: number[]
  inFlight: number
  routes: Array<{ route: string; n: number; p50: number; p95: number; p99: number }>
}

/** The nearest-rank percentile of sorted values (0 when empty). */
export function pct(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!
}
