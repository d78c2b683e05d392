// A raw-TCP WebSocket client for tests (RFC 6455): it sends any frame — reserved bits, reserved opcodes,
// unmasked, non-minimal or lying lengths — and decodes the server's frames byte by byte, so a test can check
// exactly what a server answers to a frame no well-behaved client would send. Every wait has a bound.
import { createHash, randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { type Socket, connect as tcp } from 'node:net'

/** A hang guard for a loaded machine, not a speed claim. */
export const BOUND = 20_000

/** RFC 6455 §5.2 opcodes. */
export const OP = { CONT: 0x0, TEXT: 0x1, BINARY: 0x2, CLOSE: 0x8, PING: 0x9, PONG: 0xa } as const

/** The RSV bits as {@link EncodeOptions.rsv} and {@link Frame.rsv} count them. */
export const RSV1 = 4
export const RSV2 = 2
export const RSV3 = 1

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11' // RFC 6455 §1.3

/** A decoded frame. */
export interface Frame {
  fin: boolean
  /** RSV1..3 as a 3-bit number (RSV1 = 4). */
  rsv: number
  opcode: number
  masked: boolean
  payload: Buffer
}

/** How {@link encodeFrame} writes a frame; defaults make a well-formed, masked, final frame. */
export interface EncodeOptions {
  /** FIN bit. Default `true`. */
  fin?: boolean
  /** RSV bits (RSV1 = 4, RSV2 = 2, RSV3 = 1). Default `0`. */
  rsv?: number
  /** Mask the payload, as a client must (RFC 6455 §5.3). Default `true`. */
  mask?: boolean
  /** Length encoding: the minimal one, or force the 16-bit (126) or 64-bit (127) form. Default `'min'`. */
  lengthForm?: 'min' | 16 | 64
  /** The length the header announces, when it should differ from the payload's (a truncated frame). */
  declaredLength?: number | bigint
}

/** Encodes one frame with whatever bits the test wants. */
export function encodeFrame(opcode: number, payload: Buffer | string = Buffer.alloc(0), o: EncodeOptions = {}): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : payload
  const mask = o.mask ?? true
  const len = BigInt(o.declaredLength ?? data.length)
  const form = o.lengthForm === undefined || o.lengthForm === 'min' ? (len < 126n ? 7 : len < 65536n ? 16 : 64) : o.lengthForm
  const head = Buffer.alloc(2 + (form === 16 ? 2 : form === 64 ? 8 : 0))
  head[0] = ((o.fin ?? true) ? 0x80 : 0) | ((o.rsv ?? 0) << 4) | (opcode & 0x0f)
  head[1] = (mask ? 0x80 : 0) | (form === 7 ? Number(len) : form === 16 ? 126 : 127)
  if (form === 16) head.writeUInt16BE(Number(len), 2)
  if (form === 64) head.writeBigUInt64BE(len, 2)
  if (!mask) return Buffer.concat([head, data])
  const key = randomBytes(4)
  const body = Buffer.from(data)
  for (let i = 0; i < body.length; i++) body[i] = (body[i] as number) ^ (key[i & 3] as number)
  return Buffer.concat([head, key, body])
}

/** A close frame's payload: a 2-byte code and a reason (a Buffer to send invalid UTF-8). */
export function closePayload(code: number, reason: string | Buffer = ''): Buffer {
  const c = Buffer.alloc(2)
  c.writeUInt16BE(code)
  return Buffer.concat([c, typeof reason === 'string' ? Buffer.from(reason) : reason])
}

/** Reads one frame from the start of `buf`; `undefined` until all of it is there. */
export function decodeFrame(buf: Buffer): { frame: Frame; size: number } | undefined {
  if (buf.length < 2) return undefined
  const b0 = buf[0] as number
  const b1 = buf[1] as number
  const masked = (b1 & 0x80) !== 0
  let len = b1 & 0x7f
  let at = 2
  if (len === 126) {
    if (buf.length < 4) return undefined
    len = buf.readUInt16BE(2)
    at = 4
  } else if (len === 127) {
    if (buf.length < 10) return undefined
    len = Number(buf.readBigUInt64BE(2))
    at = 10
  }
  const key = masked ? buf.subarray(at, at + 4) : undefined
  if (masked) at += 4
  if (buf.length < at + len) return undefined
  const payload = Buffer.from(buf.subarray(at, at + len))
  if (key) for (let i = 0; i < payload.length; i++) payload[i] = (payload[i] as number) ^ (key[i & 3] as number)
  return { frame: { fin: (b0 & 0x80) !== 0, rsv: (b0 >> 4) & 7, opcode: b0 & 0x0f, masked, payload }, size: at + len }
}

/** What the server sent in a close frame; `code` is `undefined` for an empty close payload. */
export interface Closing {
  code: number | undefined
  reason: Buffer
  /** Frames that came before the close frame. */
  before: Frame[]
}

/** Options of {@link RawClient.connect}. */
export interface ConnectOptions {
  /** Request target. Default `'/'`. */
  path?: string
  /** More request header lines, e.g. `{ 'sec-websocket-extensions': 'permessage-deflate' }`. */
  headers?: Record<string, string>
}

/** One raw connection after a successful handshake. */
export class RawClient {
  readonly socket: Socket
  /** The 101 response's headers, names lower-cased. */
  readonly headers: Record<string, string>
  /** Resolves when the server has closed its side of the TCP connection (or the socket closed). */
  readonly ended: Promise<void>
  #buf: Buffer
  #frames: Frame[] = []
  #wake: (() => void) | undefined

  private constructor(socket: Socket, headers: Record<string, string>, rest: Buffer) {
    this.socket = socket
    this.headers = headers
    this.#buf = rest
    this.ended = new Promise((resolve) => {
      socket.once('end', resolve)
      socket.once('close', resolve)
    })
    socket.on('data', (d: Buffer) => {
      this.#buf = Buffer.concat([this.#buf, d])
      this.#parse()
    })
    socket.resume()
    this.#parse()
  }

  /** Opens a TCP connection to 127.0.0.1:`port`, does the opening handshake and checks the server's accept key. */
  static async connect(port: number, o: ConnectOptions = {}): Promise<RawClient> {
    const key = randomBytes(16).toString('base64')
    const head = await exchangeHead(port, upgradeRequest(o.path ?? '/', { 'sec-websocket-key': key, ...o.headers }))
    if (head.status !== 101) {
      head.socket.destroy()
      throw new Error(`handshake refused: ${head.status}`)
    }
    const accept = createHash('sha1').update(key + GUID).digest('base64')
    if (head.headers['sec-websocket-accept'] !== accept) throw new Error('wrong Sec-WebSocket-Accept')
    return new RawClient(head.socket, head.headers, head.rest)
  }

  /** Writes bytes as they are. */
  write(bytes: Buffer): void {
    this.socket.write(bytes)
  }

  /** Encodes and writes one frame. */
  frame(opcode: number, payload?: Buffer | string, o?: EncodeOptions): void {
    this.write(encodeFrame(opcode, payload, o))
  }

  /** The next frame from the server; rejects when the connection ends first or after `BOUND` ms. */
  async next(): Promise<Frame> {
    const end = Date.now() + BOUND
    for (;;) {
      const f = this.#frames.shift()
      if (f) return f
      if (this.socket.destroyed || this.socket.readableEnded) throw new Error('the server closed the connection before sending a frame')
      const left = end - Date.now()
      if (left <= 0) throw new Error('no frame within the bound')
      await this.#wait(left)
    }
  }

  /** The next whole data message (fragments joined); control frames in between are returned in `control`. */
  async message(): Promise<{ opcode: number; data: Buffer; rsv: number; control: Frame[] }> {
    const control: Frame[] = []
    const parts: Buffer[] = []
    let first: Frame | undefined
    for (;;) {
      const f = await this.next()
      if (f.opcode >= 8) {
        if (f.opcode === OP.CLOSE) throw new Error(`closed by the server (${f.payload.length >= 2 ? f.payload.readUInt16BE(0) : 'no code'}) while waiting for a message`)
        control.push(f)
        continue
      }
      first ??= f
      parts.push(f.payload)
      if (f.fin) return { opcode: first.opcode, data: Buffer.concat(parts), rsv: first.rsv, control }
    }
  }

  /**
   * Reads frames up to the server's close frame, answers it (RFC 6455 §5.5.1) and half-closes, then waits for
   * the server to close the TCP connection; resolves with the close code, reason and the frames before it.
   * With `only`, any other frame first rejects at once (a server that answered instead of failing).
   */
  async closing(only = false): Promise<Closing> {
    const before: Frame[] = []
    for (;;) {
      const f = await this.next()
      if (f.opcode !== OP.CLOSE) {
        if (only) throw new Error(`expected a close frame, got opcode ${f.opcode} (${f.payload.length} bytes)`)
        before.push(f)
        continue
      }
      if (!this.socket.destroyed) this.socket.end(encodeFrame(OP.CLOSE, f.payload.subarray(0, 2)))
      await bounded(this.ended, 'the server to close the TCP connection')
      return { code: f.payload.length >= 2 ? f.payload.readUInt16BE(0) : undefined, reason: f.payload.subarray(2), before }
    }
  }

  /** Sends a close frame (`code`, `reason`) and returns the server's answer, as {@link closing}. */
  close(code?: number, reason: string | Buffer = ''): Promise<Closing> {
    this.frame(OP.CLOSE, code === undefined ? Buffer.alloc(0) : closePayload(code, reason))
    return this.closing()
  }

  /** Cuts the connection with no closing handshake. */
  destroy(): void {
    this.socket.destroy()
  }

  #parse(): void {
    for (;;) {
      const got = decodeFrame(this.#buf)
      if (!got) break
      this.#frames.push(got.frame)
      this.#buf = this.#buf.subarray(got.size)
    }
    this.#wake?.()
  }

  #wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t)
        this.socket.off('end', done).off('close', done)
        this.#wake = undefined
        resolve()
      }
      const t = setTimeout(done, ms)
      this.#wake = done
      this.socket.once('end', done).once('close', done)
    })
  }
}

/** A WebSocket upgrade request head; `headers` add to or replace the defaults (a `null`-like `''` drops one). */
export function upgradeRequest(path: string, headers: Record<string, string> = {}): string {
  const all: Record<string, string> = {
    host: 'localhost',
    upgrade: 'websocket',
    connection: 'Upgrade',
    'sec-websocket-version': '13',
    ...headers,
  }
  const lines = Object.entries(all)
    .filter(([, v]) => v !== '')
    .map(([k, v]) => `${k}: ${v}`)
  return `GET ${path} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`
}

/** A parsed HTTP response head, the socket it came on and the bytes after it. */
export interface Head {
  status: number
  headers: Record<string, string>
  socket: Socket
  rest: Buffer
}

/** Sends `request` to 127.0.0.1:`port` and resolves with the response head; the socket is left paused. */
export async function exchangeHead(port: number, request: string): Promise<Head> {
  const socket = tcp({ port, host: '127.0.0.1' })
  await bounded(once(socket, 'connect'), 'the TCP connection')
  let buf = Buffer.alloc(0)
  let onData: (d: Buffer) => void = () => {}
  const head = new Promise<number>((resolve, reject) => {
    onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d])
      const at = buf.indexOf('\r\n\r\n')
      if (at >= 0) resolve(at)
    }
    socket.on('data', onData)
    socket.once('end', () => reject(new Error('the connection ended before a response head')))
    socket.once('error', reject)
  })
  socket.write(request)
  try {
    const at = await bounded(head, 'a response head')
    // Paused before anything else can arrive: the caller attaches its own reader and resumes.
    socket.pause()
    socket.off('data', onData)
    socket.removeAllListeners('end')
    socket.removeAllListeners('error')
    socket.on('error', () => {}) // a reset by the server shows as 'close'; tests assert on that
    const [status, ...lines] = buf.subarray(0, at).toString('latin1').split('\r\n')
    const headers: Record<string, string> = {}
    for (const l of lines) {
      const i = l.indexOf(':')
      headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim()
    }
    return { status: Number(status?.split(' ')[1]), headers, socket, rest: Buffer.from(buf.subarray(at + 4)) }
  } catch (err) {
    socket.destroy()
    throw err
  }
}

/** A whole HTTP exchange on a connection the server closes after answering: status, headers and body. */
export async function exchange(port: number, request: string): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  const head = await exchangeHead(port, request)
  const parts = [head.rest]
  head.socket.on('data', (d: Buffer) => parts.push(d))
  head.socket.resume()
  await bounded(
    new Promise((resolve) => {
      if (head.socket.readableEnded || head.socket.destroyed) resolve(undefined)
      head.socket.once('end', resolve).once('close', resolve)
    }),
    'the server to end the connection',
  )
  head.socket.destroy()
  return { status: head.status, headers: head.headers, body: Buffer.concat(parts).toString('utf8') }
}

/** `p`, or a rejection naming `what` after `ms`. */
export function bounded<T>(p: Promise<T>, what: string, ms = BOUND): Promise<T> {
  let t: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    t = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), Math.max(ms, 0))
  })
  return Promise.race([p, late]).finally(() => clearTimeout(t))
}
