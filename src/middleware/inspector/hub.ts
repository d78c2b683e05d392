/** The live feed: changed requests and chart ticks, batched and sent to every open inspector page over SSE. */
import type { SSEStream } from '../../stream/sse.js'
import type { Ring, Stats } from './buffer.js'
import { type Entry, summary } from './entry.js'

type Writer = Pick<SSEStream, 'send' | 'untilClosed'>

interface Subscriber {
  readonly stream: Writer
  /** A send has not been taken by the socket yet. */
  busy: boolean
  /** Events were skipped while busy: the page must reload the list. */
  behind: boolean
}

/** How often changed requests are sent, ms. */
const BATCH_MS = 200
/** How often the charts tick, ms. */
const TICK_MS = 1000

/**
 * Nothing happens per request unless a page is open: a changed entry joins a set, sent once per batch.
 * A page whose socket does not keep up gets no more batches until it did, then one `resync` event.
 *
 * @example
 * const hub = new Hub(stats, ring, () => inFlight, 200)
 * hub.changed(entry)
 */
export class Hub {
  readonly #subs = new Set<Subscriber>()
  readonly #pending = new Set<Entry>()
  readonly #stats: Stats
  readonly #ring: Ring<Entry>
  readonly #inFlight: () => number
  readonly #maxBatch: number
  #batch: NodeJS.Timeout | undefined
  #tick: NodeJS.Timeout | undefined

  constructor(stats: Stats, ring: Ring<Entry>, inFlight: () => number, maxBatch: number) {
    this.#stats = stats
    this.#ring = ring
    this.#inFlight = inFlight
    this.#maxBatch = maxBatch
  }

  get open(): boolean {
    return this.#subs.size > 0
  }

  /** An entry started, progressed or finished. */
  changed(e: Entry): void {
    if (this.#subs.size === 0) return
    this.#pending.add(e)
    this.#batch ??= setTimeout(() => this.#flush(), BATCH_MS).unref()
  }

  /** Feeds `stream` until it closes. */
  async serve(stream: Writer): Promise<void> {
    const sub: Subscriber = { stream, busy: false, behind: false }
    if (this.#subs.size === 0) {
      this.#stats.snapshot(0) // counts from before anyone watched would show as one spike
      this.#tick = setInterval(() => this.#onTick(), TICK_MS).unref()
    }
    this.#subs.add(sub)
    try {
      await stream.untilClosed()
    } finally {
      this.#subs.delete(sub)
      if (this.#subs.size === 0) this.#stop()
    }
  }

  #stop(): void {
    clearInterval(this.#tick)
    clearTimeout(this.#batch)
    this.#tick = undefined
    this.#batch = undefined
    this.#pending.clear()
  }

  #flush(): void {
    this.#batch = undefined
    if (this.#pending.size === 0) return
    let list = [...this.#pending]
    this.#pending.clear()
    if (list.length > this.#maxBatch) list = list.slice(-this.#maxBatch)
    this.#send('requests', list.map(summary))
  }

  #onTick(): void {
    // Streams in flight: their size so far.
    for (const e of this.#ring.newestFirst()) if (e.streamed && e.status === undefined) this.#pending.add(e)
    this.#send('stats', this.#stats.snapshot(this.#inFlight()))
    if (this.#pending.size > 0) this.#flush()
  }

  #send(event: string, data: unknown): void {
    const text = JSON.stringify(data)
    for (const sub of this.#subs) {
      if (sub.busy) {
        sub.behind = true
        continue
      }
      this.#write(sub, event, text)
    }
  }

  #write(sub: Subscriber, event: string, data: string): void {
    sub.busy = true
    void sub.stream.send({ event, data }).then((ok) => {
      sub.busy = false
      if (ok && sub.behind) {
        sub.behind = false
        this.#write(sub, 'resync', '{}')
      }
    })
  }
}
