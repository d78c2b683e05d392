import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createApp } from '../../index.js'
import { Ring, Stats } from './buffer.js'
import { type Entry, newEntry } from './entry.js'
import { Hub } from './hub.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function until(cond: () => boolean, what: string): Promise<void> {
  const end = performance.now() + 30_000
  while (!cond()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`)
    await sleep(10)
  }
}

/** An SSE writer whose sends resolve only when the test says so, like a socket that stopped reading. */
function slowWriter() {
  const sent: Array<{ event: string; data: string }> = []
  const pending: Array<(ok: boolean) => void> = []
  let close: () => void = () => {}
  const closed = new Promise<void>((r) => {
    close = r
  })
  const stream = {
    send: (m: unknown) => {
      sent.push(m as { event: string; data: string })
      return new Promise<boolean>((r) => pending.push(r))
    },
    untilClosed: () => closed,
  }
  return { stream, sent, take: () => pending.shift()!(true), close }
}

async function entries(n: number): Promise<Entry[]> {
  const out: Entry[] = []
  const app = createApp({ mode: 'test' })
  app.get('/x/:i', (c) => {
    out.push(newEntry(out.length + 1, c))
    return ''
  })
  for (let i = 0; i < n; i++) await app.request(`/x/${i}`)
  return out
}

describe('inspector Hub', () => {
  it('batches changed requests, skips a page that does not keep up, then tells it to resync', async () => {
    const ring = new Ring<Entry>(10, 1 << 20)
    const hub = new Hub(new Stats(), ring, () => 0, 10)
    const w = slowWriter()
    const served = hub.serve(w.stream)
    const [a, b, c] = await entries(3)
    hub.changed(a!)
    hub.changed(a!)
    await until(() => w.sent.length === 1, 'the first batch')
    assert.equal(w.sent[0]!.event, 'requests')
    assert.deepEqual(
      JSON.parse(w.sent[0]!.data).map((s: { id: number }) => s.id),
      [1],
      'one summary for two changes',
    )
    // The socket has not taken the batch: later ones are skipped for this page.
    hub.changed(b!)
    hub.changed(c!)
    await sleep(600)
    const before = w.sent.filter((m) => m.event === 'requests').length
    assert.equal(before, 1)
    w.take()
    await until(() => w.sent.some((m) => m.event === 'resync'), 'a resync once the socket took the batch')
    w.close()
    await served
    assert.equal(hub.open, false)
  })

})
