/**
 * The memcached binary-protocol requests the store sends over memjs's connections. memjs's own commands
 * neither return nor send CAS tokens, so the store builds each request itself (get returning its CAS, set and
 * delete guarded by one, increment creating with an expiry) and lets memjs carry it: same servers, sockets,
 * key-to-server choice and SASL.
 */
import type { Client, Response } from 'memjs'

/** Opcodes used (memcached binary protocol). */
export const Op = { get: 0x00, set: 0x01, add: 0x02, delete: 0x04, increment: 0x05, decrement: 0x06, touch: 0x1c } as const

/** Response statuses the store tells apart. */
export const Status = { ok: 0x00, notFound: 0x01, exists: 0x02, tooLarge: 0x03, notStored: 0x05, notNumeric: 0x06 } as const

/** One request: `cas` (8 bytes from a get) makes a set or delete apply only to that version of the item. */
export interface Request {
  op: number
  key: string
  extras?: Buffer
  value?: Uint8Array
  cas?: Buffer
}

/** The answer: status, value (get, increment) and the item's CAS token. */
export interface Reply {
  status: number
  value: Buffer
  cas: Buffer
}

const NONE = Buffer.alloc(0)

/**
 * Sends one request and resolves its reply. Exactly one attempt: memjs would resend a request whose reply
 * was lost, and an increment or a CAS write must not run twice.
 *
 * @example
 * const reply = await send(client, { op: Op.get, key: 'session%3A1' })
 */
export function send(client: Client, request: Request): Promise<Reply> {
  client.incrSeq()
  const seq = client.seq
  return new Promise((resolve, reject) => {
    client.perform(
      request.key,
      frame(seq, request),
      seq,
      (err: Error | null, res?: Response) => {
        if (err || !res) reject(err ?? new Error('memcached closed the connection'))
        else resolve({ status: res.header.status, value: Buffer.from(res.val), cas: res.header.cas })
      },
      1,
    )
  })
}

/** The 24-byte request header, then extras, key and value. */
function frame(opaque: number, r: Request): Buffer {
  const extras = r.extras ?? NONE
  const key = Buffer.from(r.key, 'latin1')
  const value = r.value ?? NONE
  const buf = Buffer.alloc(24 + extras.length + key.length + value.byteLength)
  buf[0] = 0x80
  buf[1] = r.op
  buf.writeUInt16BE(key.length, 2)
  buf[4] = extras.length
  buf.writeUInt32BE(extras.length + key.length + value.byteLength, 8)
  buf.writeUInt32BE(opaque, 12)
  r.cas?.copy(buf, 16)
  extras.copy(buf, 24)
  key.copy(buf, 24 + extras.length)
  buf.set(value, 24 + extras.length + key.length)
  return buf
}

/** Extras of set and add: flags (0), then the expiry. */
export function storeExtras(expiry: number): Buffer {
  const b = Buffer.alloc(8)
  b.writeUInt32BE(expiry, 4)
  return b
}

/** Extras of touch: the expiry. */
export function touchExtras(expiry: number): Buffer {
  const b = Buffer.alloc(4)
  b.writeUInt32BE(expiry, 0)
  return b
}

/** Extras of increment and decrement: amount, the value an absent counter is created with, its expiry. */
export function counterExtras(amount: number, initial: number, expiry: number): Buffer {
  const b = Buffer.alloc(20)
  b.writeBigUInt64BE(BigInt(amount), 0)
  b.writeBigUInt64BE(BigInt(initial), 8)
  b.writeUInt32BE(expiry, 16)
  return b
}
