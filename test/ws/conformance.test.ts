// RFC 6455 at the frame level, case groups after the Autobahn TestSuite (1 framing, 2 ping/pong, 3 reserved
// bits, 4 opcodes, 5 fragmentation, 6 UTF-8, 7 close, 9 limits, 12/13 permessage-deflate), sent by a raw
// client (frames.ts) to a weir app. Every hostile case checks the close code the RFC names, that the server
// closes the TCP connection, and that a fresh connection is still served afterwards.
import assert from 'node:assert/strict'
import { constants, createInflateRaw, deflateRawSync, inflateRawSync } from 'node:zlib'
import { after, before, describe, it } from 'node:test'
import { type EchoApp, SMALL, startEchoApp } from './app.js'
import { type EncodeOptions, OP, RSV1, RSV2, RSV3, RawClient, closePayload, encodeFrame, exchange, exchangeHead, upgradeRequest } from './frames.js'

let srv: EchoApp
before(async () => {
  srv = await startEchoApp()
})
const opened: RawClient[] = []
after(async () => {
  for (const c of opened) c.destroy() // those a failed assertion left open
  await srv.close()
})

async function connect(path = '/echo', headers?: Record<string, string>): Promise<RawClient> {
  const c = await RawClient.connect(srv.port, { path, ...(headers && { headers }) })
  opened.push(c)
  return c
}

/** Sends a message and returns the echo's opcode and payload. */
async function roundTrip(c: RawClient, opcode: number, payload: Buffer | string): Promise<{ opcode: number; data: Buffer }> {
  c.frame(opcode, payload)
  const m = await c.message()
  return { opcode: m.opcode, data: m.data }
}

/** A fresh connection still gets an echo and a clean close. */
async function stillServes(): Promise<void> {
  const c = await connect()
  assert.deepEqual(await roundTrip(c, OP.TEXT, 'alive'), { opcode: OP.TEXT, data: Buffer.from('alive') })
  assert.equal((await c.close(1000)).code, 1000)
}

/** Writes `frames` on a fresh connection to `path`, expects the server to fail it with `code`, then a fresh echo. */
async function failsWith(code: number, frames: Buffer[], path = '/echo'): Promise<void> {
  const c = await connect(path)
  c.write(Buffer.concat(frames))
  const closing = await c.closing(true)
  assert.equal(closing.code, code, `close code ${closing.code}, expected ${code}`)
  await stillServes()
}

const frame = (opcode: number, payload: Buffer | string = '', o?: EncodeOptions) => encodeFrame(opcode, payload, o)
const fragment = (opcode: number, payload: Buffer | string) => frame(opcode, payload, { fin: false })

describe('WebSocket conformance: framing (Autobahn 1)', () => {
  for (const [name, opcode] of [
    ['text', OP.TEXT],
    ['binary', OP.BINARY],
  ] as const) {
    it(`echoes ${name} payloads of 0, 125, 126, 127, 65535 and 65536 bytes`, async () => {
      const c = await connect()
      for (const n of [0, 125, 126, 127, 65535, 65536]) {
        const payload = Buffer.alloc(n, n % 26 + 97)
        const echo = await roundTrip(c, opcode, payload)
        assert.equal(echo.opcode, opcode, `opcode of the ${n}-byte echo`)
        assert.ok(echo.data.equals(payload), `the ${n}-byte echo`)
      }
      assert.equal((await c.close(1000)).code, 1000)
    })
  }
})

describe('WebSocket conformance: ping and pong (Autobahn 2)', () => {
  it('answers a ping with a pong carrying the same payload (0, 5 and 125 bytes)', async () => {
    const c = await connect()
    for (const payload of [Buffer.alloc(0), Buffer.from('hello'), Buffer.alloc(125, 0xfe)]) {
      c.frame(OP.PING, payload)
      const pong = await c.next()
      assert.equal(pong.opcode, OP.PONG)
      assert.ok(pong.fin)
      assert.ok(pong.payload.equals(payload))
    }
    assert.equal((await c.close(1000)).code, 1000)
  })

  it('fails a ping whose payload is over 125 bytes with 1002', () => failsWith(1002, [frame(OP.PING, Buffer.alloc(126))]))

  it('ignores an unsolicited pong', async () => {
    const c = await connect()
    c.frame(OP.PONG, 'unasked')
    c.frame(OP.PONG)
    const m = await roundTrip(c, OP.TEXT, 'after')
    assert.equal(m.data.toString(), 'after') // the pongs got nothing back, or it would have come first
    assert.equal((await c.close(1000)).code, 1000)
  })
})

describe('WebSocket conformance: reserved bits (Autobahn 3)', () => {
  for (const rsv of [RSV1, RSV2, RSV3, RSV1 | RSV2 | RSV3]) {
    it(`fails a text frame with RSV=${rsv} (no extension negotiated) with 1002`, () => failsWith(1002, [frame(OP.TEXT, 'x', { rsv })]))
  }
  it('fails a ping with RSV2 set with 1002', () => failsWith(1002, [frame(OP.PING, 'x', { rsv: RSV2 })]))
  it('fails at the bad frame, after echoing the good one before it', async () => {
    const c = await connect()
    c.write(Buffer.concat([frame(OP.TEXT, 'good'), frame(OP.TEXT, 'bad', { rsv: RSV3 })]))
    const closing = await c.closing()
    assert.equal(closing.code, 1002)
    assert.deepEqual(
      closing.before.map((f) => f.payload.toString()),
      ['good'],
    )
  })
})

describe('WebSocket conformance: opcodes (Autobahn 4)', () => {
  for (const opcode of [3, 4, 5, 6, 7, 11, 12, 13, 14, 15]) {
    it(`fails reserved opcode ${opcode} with 1002`, () => failsWith(1002, [frame(opcode, 'x')]))
  }
})

describe('WebSocket conformance: fragmentation (Autobahn 5)', () => {
  it('reassembles a fragmented text message, empty fragments included', async () => {
    const c = await connect()
    c.write(Buffer.concat([fragment(OP.TEXT, 'Hello, '), fragment(OP.CONT, ''), fragment(OP.CONT, 'frag'), frame(OP.CONT, 'ments')]))
    const m = await c.message()
    assert.equal(m.opcode, OP.TEXT)
    assert.equal(m.data.toString(), 'Hello, fragments')
    assert.equal((await c.close(1000)).code, 1000)
  })

  it('answers pings interleaved inside a fragmented message, then echoes the whole message', async () => {
    const c = await connect()
    c.write(Buffer.concat([fragment(OP.BINARY, Buffer.from([1, 2])), frame(OP.PING, 'p1'), fragment(OP.CONT, Buffer.from([3])), frame(OP.PING, 'p2')]))
    c.write(frame(OP.CONT, Buffer.from([4])))
    const m = await c.message()
    assert.equal(m.opcode, OP.BINARY)
    assert.deepEqual([...m.data], [1, 2, 3, 4])
    assert.deepEqual(
      m.control.map((f) => [f.opcode, f.payload.toString()]),
      [
        [OP.PONG, 'p1'],
        [OP.PONG, 'p2'],
      ],
    )
    assert.equal((await c.close(1000)).code, 1000)
  })

  it('fails a continuation frame with no message started with 1002', () => failsWith(1002, [frame(OP.CONT, 'orphan')]))
  it('fails a non-final continuation with no message started with 1002', () => failsWith(1002, [fragment(OP.CONT, 'orphan'), frame(OP.CONT, 'x')]))
  it('fails a fragmented ping with 1002', () => failsWith(1002, [fragment(OP.PING, 'a'), frame(OP.CONT, 'b')]))
  it('fails a fragmented close with 1002', () => failsWith(1002, [fragment(OP.CLOSE, closePayload(1000)), frame(OP.CONT, '')]))
  it('fails a new text frame inside a fragmented message with 1002', () => failsWith(1002, [fragment(OP.TEXT, 'a'), frame(OP.TEXT, 'b')]))
  it('fails a new binary start inside a fragmented message with 1002', () => failsWith(1002, [fragment(OP.TEXT, 'a'), fragment(OP.BINARY, 'b'), frame(OP.CONT, 'c')]))
})

describe('WebSocket conformance: UTF-8 (Autobahn 6)', () => {
  it('echoes valid multi-byte text whole', async () => {
    const c = await connect()
    for (const s of ['κόσμε', 'Hello-µ@ßöäüàá-UTF-8!!', '€ 𝄞 😀', '\u{10FFFF}\u{FEFF}\u{FFFD}']) {
      const m = await roundTrip(c, OP.TEXT, s)
      assert.equal(m.opcode, OP.TEXT)
      assert.equal(m.data.toString('utf8'), s)
    }
    assert.equal((await c.close(1000)).code, 1000)
  })

  it('reassembles code points split across fragments', async () => {
    const c = await connect()
    const bytes = Buffer.from('a😀b€') // 61 | f0 9f 98 80 | 62 | e2 82 ac
    c.write(Buffer.concat([fragment(OP.TEXT, bytes.subarray(0, 3)), fragment(OP.CONT, bytes.subarray(3, 4)), fragment(OP.CONT, bytes.subarray(4, 8)), frame(OP.CONT, bytes.subarray(8))]))
    assert.equal((await c.message()).data.toString('utf8'), 'a😀b€')
    assert.equal((await c.close(1000)).code, 1000)
  })

  const invalid: [string, number[]][] = [
    ['a lone continuation byte', [0x80]],
    ['an overlong "/"', [0xc0, 0xaf]],
    ['a UTF-16 surrogate', [0xed, 0xa0, 0x80]],
    ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
    ['0xFF', [0x61, 0xff]],
    ['a truncated sequence at the end', [0x61, 0xe2, 0x82]],
  ]
  for (const [name, bytes] of invalid) {
    it(`fails text with ${name} with 1007`, () => failsWith(1007, [frame(OP.TEXT, Buffer.from(bytes))]))
  }
  it('fails a fragmented message that ends inside a code point with 1007', () =>
    failsWith(1007, [fragment(OP.TEXT, Buffer.from('ok')), frame(OP.CONT, Buffer.from([0xf0, 0x9f, 0x98]))]))
})

describe('WebSocket conformance: close (Autobahn 7)', () => {
  it('answers an empty close with an empty close; the close handler sees 1005', async () => {
    const c = await connect('/echo?id=empty-close')
    const closing = await c.close()
    assert.equal(closing.code, undefined)
    assert.equal((await srv.closedWith('empty-close')).code, 1005)
  })

  for (const code of [1000, 1001, 1003, 1007, 1011, 3000, 3999, 4000, 4999]) {
    it(`echoes valid close code ${code} and its reason`, async () => {
      const c = await connect(`/echo?id=valid-${code}`)
      const closing = await c.close(code, 'bye ✓')
      assert.equal(closing.code, code)
      assert.equal(closing.reason.toString(), 'bye ✓')
      assert.deepEqual(await srv.closedWith(`valid-${code}`), { code, reason: 'bye ✓' })
    })
  }

  it('echoes a close reason of the largest size (123 bytes)', async () => {
    const c = await connect()
    const reason = 'r'.repeat(123)
    assert.equal((await c.close(1000, reason)).reason.toString(), reason)
  })

  it('sends nothing after a close frame, though data follows it', async () => {
    const c = await connect()
    c.write(Buffer.concat([frame(OP.CLOSE, closePayload(1000)), frame(OP.TEXT, 'late'), frame(OP.PING, 'late')]))
    const closing = await c.closing()
    assert.equal(closing.code, 1000)
    assert.deepEqual(closing.before, [])
  })

  it('fails a close with a 1-byte payload with 1002', () => failsWith(1002, [frame(OP.CLOSE, Buffer.from([0x03]))]))

  for (const code of [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999]) {
    it(`fails invalid close code ${code} with 1002`, () => failsWith(1002, [frame(OP.CLOSE, closePayload(code))]))
  }

  it('fails a close reason that is not UTF-8 with 1007', () => failsWith(1007, [frame(OP.CLOSE, closePayload(1000, Buffer.from([0xce, 0xba, 0xe1, 0xbd])))]))
})

describe("WebSocket conformance: limits (Autobahn 9, the route's maxPayload)", () => {
  it('echoes a message of exactly maxPayload bytes', async () => {
    const c = await connect('/small')
    const m = await roundTrip(c, OP.BINARY, Buffer.alloc(SMALL, 7))
    assert.equal(m.data.length, SMALL)
    assert.equal((await c.close(1000)).code, 1000)
  })

  it('fails a message one byte over maxPayload with 1009', () => failsWith(1009, [frame(OP.TEXT, 'x'.repeat(SMALL + 1))], '/small'))

  it('fails a message over maxPayload split across many small fragments with 1009', () => {
    const parts = [fragment(OP.TEXT, 'x'.repeat(50))]
    for (let i = 1; i < 20; i++) parts.push(fragment(OP.CONT, 'x'.repeat(50)))
    parts.push(frame(OP.CONT, 'x')) // 1001 bytes in all
    return failsWith(1009, parts, '/small')
  })

  it('fails a frame announcing 2^40 bytes with 1009 at its header, without waiting for the payload', () =>
    failsWith(1009, [frame(OP.BINARY, Buffer.alloc(0), { declaredLength: 2n ** 40n })], '/small'))
})

describe('WebSocket conformance: masking, abrupt ends', () => {
  it('fails an unmasked client frame with 1002', () => failsWith(1002, [frame(OP.TEXT, 'naked', { mask: false })]))

  it("sees 1006 in the route's close handler when the client vanishes mid-frame, and keeps serving", async () => {
    const c = await connect('/echo?id=abrupt')
    c.write(frame(OP.BINARY, Buffer.alloc(10), { declaredLength: 100 })) // 90 bytes never come
    c.destroy()
    assert.deepEqual(await srv.closedWith('abrupt'), { code: 1006, reason: '' })
    await stillServes()
  })
})

describe('WebSocket conformance: permessage-deflate (Autobahn 12, 13; RFC 7692)', () => {
  const TAIL = Buffer.from([0, 0, 0xff, 0xff])
  // RFC 7692 §7.2.1: compress, sync-flush, drop the trailing 00 00 ff ff. Each message on its own (no
  // reference to earlier ones), which a client may always do.
  const compress = (s: string) => {
    const z = deflateRawSync(Buffer.from(s), { windowBits: 12, finishFlush: constants.Z_SYNC_FLUSH })
    return z.subarray(0, z.length - 4)
  }
  // The server keeps its window across messages (context takeover): one inflater for the whole session.
  const inflater = () => {
    const z = createInflateRaw({ finishFlush: constants.Z_SYNC_FLUSH })
    const out: Buffer[] = []
    z.on('data', (d: Buffer) => out.push(d))
    return (data: Buffer) =>
      new Promise<string>((resolve) => {
        z.write(Buffer.concat([data, TAIL]))
        z.flush(constants.Z_SYNC_FLUSH, () => resolve(Buffer.concat(out.splice(0)).toString()))
      })
  }

  for (const offer of ['permessage-deflate', 'permessage-deflate; client_max_window_bits', 'x-unknown, permessage-deflate; client_max_window_bits=10']) {
    it(`negotiates deflate: true with the offer "${offer}" and echoes compressed messages`, async () => {
      const c = await connect('/deflate', { 'sec-websocket-extensions': offer })
      assert.match(c.headers['sec-websocket-extensions'] ?? '', /^permessage-deflate\b/)
      assert.match(c.headers['sec-websocket-extensions'] ?? '', /server_max_window_bits=12/)
      const inflate = inflater()
      for (const text of ['compress me '.repeat(500), 'and again ✓ '.repeat(300)]) {
        c.frame(OP.TEXT, compress(text), { rsv: RSV1 })
        const m = await c.message()
        assert.equal(m.opcode, OP.TEXT)
        assert.equal(m.rsv, RSV1)
        assert.equal(await inflate(m.data), text)
      }
      // An uncompressed message (RSV1 clear) is allowed on a deflate session.
      c.frame(OP.BINARY, Buffer.from([9, 8, 7]))
      const m = await c.message()
      assert.deepEqual([...(m.rsv === RSV1 ? Buffer.from(await inflate(m.data), 'latin1') : m.data)], [9, 8, 7])
      assert.equal((await c.close(1000)).code, 1000)
    })
  }

  it('sends messages under the threshold uncompressed when the client asks server_no_context_takeover', async () => {
    const c = await connect('/deflate', { 'sec-websocket-extensions': 'permessage-deflate; server_no_context_takeover; client_max_window_bits' })
    assert.match(c.headers['sec-websocket-extensions'] ?? '', /server_no_context_takeover/)
    c.frame(OP.TEXT, compress('tiny'), { rsv: RSV1 })
    const small = await c.message()
    assert.equal(small.rsv, 0)
    assert.equal(small.data.toString(), 'tiny')
    const big = 'b'.repeat(5000)
    c.frame(OP.TEXT, compress(big), { rsv: RSV1 })
    const m = await c.message()
    assert.equal(m.rsv, RSV1)
    assert.equal(inflateRawSync(Buffer.concat([m.data, TAIL]), { finishFlush: constants.Z_SYNC_FLUSH }).toString(), big)
    assert.equal((await c.close(1000)).code, 1000)
  })

  it('fails a compressed message that inflates over maxPayload (1 MiB by default) with 1009', async () => {
    const c = await connect('/deflate', { 'sec-websocket-extensions': 'permessage-deflate' })
    const bomb = compress('\0'.repeat((1 << 20) + 1)) // about 1 KiB on the wire
    assert.ok(bomb.length < 4096)
    c.frame(OP.BINARY, bomb, { rsv: RSV1 })
    assert.equal((await c.closing(true)).code, 1009)
    await stillServes()
  })

  it('fails RSV1 on a control frame with 1002, even with deflate negotiated', async () => {
    const c = await connect('/deflate', { 'sec-websocket-extensions': 'permessage-deflate' })
    c.frame(OP.PING, 'x', { rsv: RSV1 })
    assert.equal((await c.closing(true)).code, 1002)
    await stillServes()
  })

  it('fails RSV1 on a continuation frame with 1002', async () => {
    const c = await connect('/deflate', { 'sec-websocket-extensions': 'permessage-deflate' })
    c.write(Buffer.concat([fragment(OP.TEXT, compress('ab')), frame(OP.CONT, '', { rsv: RSV1 })]))
    assert.equal((await c.closing(true)).code, 1002)
    await stillServes()
  })

  it('is not negotiated by default, though the client offers it; RSV1 then fails with 1002', async () => {
    const c = await connect('/echo', { 'sec-websocket-extensions': 'permessage-deflate; client_max_window_bits' })
    assert.equal(c.headers['sec-websocket-extensions'], undefined)
    c.frame(OP.TEXT, compress('hello'), { rsv: RSV1 })
    assert.equal((await c.closing(true)).code, 1002)
    await stillServes()
  })
})

describe('WebSocket conformance: opening handshake (RFC 6455 §4.2)', () => {
  const refused = (headers: Record<string, string>, method = 'GET') =>
    exchange(srv.port, upgradeRequest('/echo', headers).replace(/^GET/, method))

  it('answers a missing Sec-WebSocket-Key with 400 ERR_WS_BAD_HANDSHAKE', async () => {
    const r = await refused({})
    assert.equal(r.status, 400)
    assert.match(r.body, /ERR_WS_BAD_HANDSHAKE/)
  })

  for (const key of ['abc', 'AAAAAAAAAAAAAAAAAAAAAA', Buffer.alloc(17).toString('base64'), '!!!!!!!!!!!!!!!!!!!!!!==']) {
    it(`answers an invalid Sec-WebSocket-Key ${JSON.stringify(key)} with 400`, async () => {
      const r = await refused({ 'sec-websocket-key': key })
      assert.equal(r.status, 400)
      assert.match(r.body, /ERR_WS_BAD_HANDSHAKE/)
    })
  }

  it('answers an unsupported version with 400 and the versions it speaks (§4.4)', async () => {
    const r = await refused({ 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'sec-websocket-version': '12' })
    assert.equal(r.status, 400)
    assert.match(r.headers['sec-websocket-version'] ?? '', /\b13\b/)
  })

  it('answers an upgrade by POST to a GET route with 405, no handshake', async () => {
    const r = await refused({ 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'content-length': '0' }, 'POST')
    assert.equal(r.status, 405)
  })

  it('answers a request with no Upgrade header with 426 and Upgrade: websocket', async () => {
    const r = await refused({ upgrade: '', connection: 'close', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' })
    assert.equal(r.status, 426)
    assert.equal(r.headers.upgrade, 'websocket')
    assert.match(r.body, /ERR_WS_UPGRADE_REQUIRED/)
  })

  it('accepts the RFC sample key with the RFC sample accept value (§1.3)', async () => {
    const head = await exchangeHead(srv.port, upgradeRequest('/echo', { 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' }))
    head.socket.destroy()
    assert.equal(head.status, 101)
    assert.equal(head.headers['sec-websocket-accept'], 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=')
  })
})
