import assert from 'node:assert/strict'
import { Readable } from 'node:stream'
import { describe, it } from 'node:test'
import { type LineSource, lines } from './lines.js'

const enc = (s: string) => new TextEncoder().encode(s)

async function all(source: LineSource, opts?: Parameters<typeof lines>[1]): Promise<string[]> {
  const out: string[] = []
  for await (const l of lines(source, opts).values()) out.push(l)
  return out
}

async function body(stream: AsyncIterable<string>): Promise<string> {
  let s = ''
  for await (const chunk of stream) s += chunk
  return s
}

describe('lines(): splitting', () => {
  const cases: Array<[string, Array<string | Uint8Array>, string[]]> = [
    ['LF', ['a\nb\nc\n'], ['a', 'b', 'c']],
    ['CRLF', ['a\r\nb\r\n'], ['a', 'b']],
    ['CRLF split between chunks', ['a\r', '\nb\r', '\n'], ['a', 'b']],
    ['a line across chunks', ['ab', 'c', 'd\ne', 'f\n'], ['abcd', 'ef']],
    ['last line without a break', ['a\nlast'], ['a', 'last']],
    ['empty lines kept', ['\n\na\n\n'], ['', '', 'a', '']],
    ['a lone CR is not a break', ['a\rb\n'], ['a\rb']],
    ['no input', [], []],
    ['UTF-8 split inside a character', [enc('é€'), enc('\n')].flatMap((b) => [...b].map((x) => Uint8Array.of(x))), ['é€']],
    ['bytes and strings mixed', [enc('ab'), 'c\n', enc('d\n')], ['abc', 'd']],
  ]
  for (const [name, chunks, want] of cases) {
    it(`splits: ${name}`, async () => assert.deepEqual(await all(chunks), want))
  }

  it('reads every kind of source: string, bytes, Node Readable, Web ReadableStream, sync and async iterables', async () => {
    const web = new ReadableStream<Uint8Array>({
      start(ctl) {
        ctl.enqueue(enc('w1\nw'))
        ctl.enqueue(enc('2\n'))
        ctl.close()
      },
    })
    async function* gen() {
      yield 'g1\n'
      yield 'g2'
    }
    assert.deepEqual(await all('s1\ns2'), ['s1', 's2'])
    assert.deepEqual(await all(enc('b1\nb2\n')), ['b1', 'b2'])
    assert.deepEqual(await all(Readable.from(['r1\nr', '2\n'])), ['r1', 'r2'])
    assert.deepEqual(await all(web), ['w1', 'w2'])
    assert.deepEqual(await all(['i1\n', 'i2\n']), ['i1', 'i2'])
    assert.deepEqual(await all(gen()), ['g1', 'g2'])
  })
})

describe('lines(): maxLineLength', () => {
  it("fails with ERR_STREAM_LINE_TOO_LONG by default, also for a line that never ends", async () => {
    await assert.rejects(all(['12345\n'], { maxLineLength: 4 }), { code: 'ERR_STREAM_LINE_TOO_LONG', status: 413 })
    await assert.rejects(all(['123', '456', '789'], { maxLineLength: 4 }), { code: 'ERR_STREAM_LINE_TOO_LONG' })
  })

  it('accepts a line of exactly maxLineLength, CRLF split or not', async () => {
    assert.deepEqual(await all(['1234\r', '\n5678\n'], { maxLineLength: 4 }), ['1234', '5678'])
  })

  it("'truncate' keeps the first maxLineLength characters and drops the rest of that line", async () => {
    assert.deepEqual(await all(['12345678\nok\n'], { maxLineLength: 3, overflow: 'truncate' }), ['123', 'ok'])
    // The over-long line spans chunks: the tail is dropped until the next break.
    assert.deepEqual(await all(['1234', '5678', '9\nok'], { maxLineLength: 3, overflow: 'truncate' }), ['123', 'ok'])
  })

  it('never holds more than about maxLineLength characters of an endless line', async () => {
    let produced = 0
    function* endless() {
      for (;;) {
        produced++
        yield 'x'.repeat(1000)
      }
    }
    await assert.rejects(all(endless(), { maxLineLength: 10_000 }), { code: 'ERR_STREAM_LINE_TOO_LONG' })
    assert.ok(produced <= 12, `read ${produced} chunks before failing`)
  })

  it('refuses bad options with TypeError', () => {
    assert.throws(() => lines('', { maxLineLength: 0 }), TypeError)
    assert.throws(() => lines('', { maxLineLength: 1.5 }), TypeError)
    assert.throws(() => lines('', { overflow: 'drop' as 'error' }), TypeError)
    assert.throws(() => lines('').filter('x' as never), TypeError)
  })
})

describe('lines(): filter, map and the body form', () => {
  it('filters and maps line by line, in order', async () => {
    const s = lines(['INFO a\nERROR b\nINFO c\nERROR d\n'])
      .filter((l) => l.startsWith('ERROR'))
      .map((l) => l.slice(6).toUpperCase())
    const out: string[] = []
    for await (const l of s.values()) out.push(l)
    assert.deepEqual(out, ['B', 'D'])
  })

  it('iterates as text chunks of whole lines, each followed by eol (what a response writes)', async () => {
    assert.equal(await body(lines(['a\nbb', 'b\nc']).filter((l) => l !== 'a')), 'bbb\nc\n')
    assert.equal(await body(lines(['a\nb\n'], { eol: '\r\n' })), 'a\r\nb\r\n')
    const chunks: string[] = []
    for await (const c of lines(['1\n2\n3\n', '4\n'])) chunks.push(c)
    assert.deepEqual(chunks, ['1\n2\n3\n', '4\n'], 'one chunk per source chunk, not per line')
  })

  it('does not read ahead of the consumer', async () => {
    let pulled = 0
    async function* src() {
      for (let i = 0; i < 100; i++) {
        pulled++
        yield `${i}\n`
      }
    }
    const it = lines(src()).values()
    await it.next()
    await it.next()
    assert.equal(pulled, 2)
    await it.return()
  })

  it('stopping the iteration stops a Node stream at once, even while a read is pending', async () => {
    const src = new Readable({ read() {} })
    src.push('first\n')
    const it = lines(src)[Symbol.asyncIterator]()
    assert.deepEqual(await it.next(), { done: false, value: 'first\n' })
    const pending = it.next()
    await new Promise((r) => setImmediate(r)) // the read is now waiting for data that never comes
    // "At once": return() does not wait for the source — it would wait forever, and the test time out.
    await it.return!()
    assert.ok(src.destroyed, 'source destroyed')
    assert.deepEqual(await pending, { done: true, value: undefined })
  })

  it('stopping cancels a Web stream and returns an iterator', async () => {
    let cancelled = false
    const web = new ReadableStream({
      pull() {},
      cancel() {
        cancelled = true
      },
    })
    const it1 = lines(web)[Symbol.asyncIterator]()
    const pending = it1.next()
    await it1.return!()
    assert.ok(cancelled)
    assert.equal((await pending).done, true)
    let finalize!: () => void
    const finalized = new Promise<void>((r) => {
      finalize = r
    })
    async function* gen() {
      try {
        for (;;) yield 'x\n'
      } finally {
        finalize()
      }
    }
    const it2 = lines(gen())[Symbol.asyncIterator]()
    await it2.next()
    await it2.return!()
    await finalized // the generator's finally ran (without it, the test times out)
  })
})
