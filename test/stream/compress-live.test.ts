// Real sockets: a live stream behind compress() reaches the client as it is produced; bulk streams still
// compress in big blocks.
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { createReadStream } from 'node:fs'
import * as http from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough, Readable, type Transform } from 'node:stream'
import { describe, it } from 'node:test'
import * as zlib from 'node:zlib'
import { compress, zstdAvailable } from '../../src/middleware/compress/index.js'
import { lines } from '../../src/index.js'
import { start, within } from './helpers.js'

// zstd is registered everywhere and skipped where Node lacks it (22.15+), so every Node runs the same tests.
const CODINGS = ['gzip', 'br', 'deflate', 'zstd']
const skip = (coding: string) => (coding === 'zstd' && !zstdAvailable ? 'zstd needs Node 22.15 or later' : false)

const decoders: Record<string, () => Transform> = {
  gzip: () => zlib.createGunzip(),
  br: () => zlib.createBrotliDecompress(),
  deflate: () => zlib.createInflate(),
  zstd: () => (zlib as unknown as { createZstdDecompress: () => Transform }).createZstdDecompress(),
}

/** A GET whose body is decoded as it arrives: `got.text` grows with every decoded byte, `got.wire` counts the compressed ones. */
function fetchDecoded(port: number, path: string, coding: string) {
  const got = { text: '', wire: 0, coding: '', ended: false }
  const req = http.get({ host: '127.0.0.1', port, path, headers: { 'accept-encoding': coding } }, (res) => {
    got.coding = String(res.headers['content-encoding'])
    res.on('data', (b: Buffer) => {
      got.wire += b.length
    })
    const d = decoders[coding]!()
    res.pipe(d)
    d.on('data', (b: Buffer) => {
      got.text += b.toString()
    })
    d.on('end', () => {
      got.ended = true
    })
  })
  req.on('error', () => {})
  return { got, req }
}

describe('compress: a live stream reaches the client as the source produces it', () => {
  for (const coding of CODINGS) {
    it(`${coding}: lines(tail).filter(…) — each line is decoded by the client before the next is produced`, { skip: skip(coding) }, async () => {
      // Stands in for `spawn('tail', ['-F', file]).stdout` of docs/streams.md: a line now and then.
      const tail = new PassThrough()
      const app = await start((a) => {
        a.use(compress({ encodings: [coding as 'gzip'] }))
        a.get('/logs', (c) => {
          c.header('content-type', 'text/plain; charset=utf-8')
          return lines(tail, { maxLineLength: 16_384 }).filter((l) => l.includes('ERROR'))
        })
      })
      const { got, req } = fetchDecoded(app.port!, '/logs', coding)
      try {
        tail.write('12:00:00 INFO started\n12:00:01 ERROR disk full\n')
        await within(10_000, () => got.text.includes('ERROR disk full'), 'the first line, before the next is produced')
        assert.equal(got.coding, coding)
        assert.equal(got.text, '12:00:01 ERROR disk full\n')
        tail.write('12:00:02 INFO retry\n12:00:03 ERROR disk still full\n')
        await within(10_000, () => got.text.includes('still full'), 'the second line')
        assert.equal(got.text, '12:00:01 ERROR disk full\n12:00:03 ERROR disk still full\n')
      } finally {
        req.destroy()
        tail.destroy()
      }
    })
  }

  it('a generator that yields, then waits: its first chunk is decoded before the generator is resumed', async () => {
    let release!: () => void
    const gate = new Promise<void>((r) => {
      release = r
    })
    async function* source() {
      yield 'first line\n'
      await gate
      yield 'second line\n'
    }
    const app = await start((a) => {
      a.use(compress())
      a.get('/t', (c) => c.header('content-type', 'text/plain').body(source()))
    })
    const { got, req } = fetchDecoded(app.port!, '/t', 'br')
    try {
      await within(10_000, () => got.text === 'first line\n', 'the first chunk')
      release()
      await within(10_000, () => got.ended, 'the end')
      assert.equal(got.text, 'first line\nsecond line\n')
    } finally {
      req.destroy()
    }
  })
})

describe('compress: bulk streams still compress in big blocks (not flushed per chunk)', () => {
  // 4000 small, repetitive lines, one chunk each: flushed per chunk, every chunk would cost a block header
  // and lose most of the match window; compressed whole, the body shrinks to a few percent.
  const parts = Array.from({ length: 4000 }, (_, i) => `2024-05-01T12:00:${String(i % 60).padStart(2, '0')} INFO GET /api/items 200 ${i % 7}ms\n`)
  const input = parts.join('')
  const file = join(tmpdir(), `weir-compress-bulk-${process.pid}.log`)
  const sources: Record<string, () => Readable | AsyncIterable<string>> = {
    'Readable.from(array)': () => Readable.from(parts),
    'an async generator': () =>
      (async function* () {
        yield* parts
      })(),
    'a file': () => createReadStream(file),
  }
  for (const [name, make] of Object.entries(sources)) {
    for (const coding of CODINGS) {
      it(`${name}, ${coding}: under 10% of the input, and decodes to it`, { skip: skip(coding) }, async () => {
        await writeFile(file, input)
        const app = await start((a) => {
          a.use(compress({ encodings: [coding as 'gzip'] }))
          a.get('/bulk', (c) => c.header('content-type', 'text/plain').body(make()))
        })
        const { got } = fetchDecoded(app.port!, '/bulk', coding)
        await within(10_000, () => got.ended, 'the whole body')
        assert.equal(got.text, input)
        assert.ok(got.wire < input.length / 10, `${got.wire} compressed bytes for ${input.length}`)
      })
    }
  }
})
