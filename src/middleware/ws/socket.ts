/** The socket a handler gets: `send()` with backpressure, the slow-client policy, rooms. */
import type { Duplex } from 'node:stream'
import type { WebSocket as RawWebSocket } from 'ws'
import type { Hub } from './hub.js'

/** What `send()` accepts. */
export type WsData = string | Buffer | Uint8Array

const OPEN = 1
const BINARY = { binary: true }
const TEXT = { binary: false }
const SENT = Promise.resolve(true)
const DROPPED = Promise.resolve(false)

/**
 * One WebSocket session. `send()` resolves once the socket buffers less than `maxBuffered`; the raw `ws`
 * socket is `raw` for anything else (subprotocol, ping, binaryType).
 */
export class WsSocket {
  /** The `ws` WebSocket itself. */
  readonly raw: RawWebSocket
  /** The client address the per-IP limit counted (`c.req.ip` at the handshake). */
  readonly ip: string
  /** Rooms this socket is in. */
  readonly rooms = new Set<string>()
  /** Resolves once the socket has closed. */
  readonly closed: Promise<void>
  /** Messages received and sent (sent: handed to the socket, not dropped). */
  readonly count = { received: 0, sent: 0 }
  /** Heartbeat pings sent since the last pong. @internal */
  missed = 0
  readonly #hub: Hub
  readonly #max: number
  readonly #slow: 'close' | 'drop'
  readonly #deflate: boolean
  #waiters: Array<(sent: boolean) => void> = []

  /** @internal */
  constructor(raw: RawWebSocket, socket: Duplex, hub: Hub, ip: string, o: { maxBuffered: number; slow: 'close' | 'drop'; perMessageDeflate: unknown }) {
    this.raw = raw
    this.ip = ip
    this.#hub = hub
    this.#max = o.maxBuffered
    this.#slow = o.slow
    this.#deflate = o.perMessageDeflate !== false
    this.closed = new Promise((resolve) => raw.once('close', () => resolve()))
    raw.on('pong', () => (this.missed = 0))
    socket.on('drain', this.#check)
    raw.once('close', () => this.#release(false))
  }

  /** Bytes queued and not yet handed to the kernel. */
  get bufferedAmount(): number {
    return this.raw.bufferedAmount
  }

  /**
   * Sends a message: a string as text, bytes as binary, unless `binary` says otherwise (bytes of UTF-8 text
   * with `binary: false`). Resolves `true` once the socket buffers less than `maxBuffered` again, `false` if
   * the message was dropped: socket not open, or a slow client (`slow`).
   *
   * @example
   * for (const row of rows) await ws.send(JSON.stringify(row)) // never buffers more than maxBuffered
   */
  send(data: WsData, options?: { binary?: boolean }): Promise<boolean> {
    if (!this.post(data, options?.binary ?? typeof data !== 'string')) return DROPPED
    if (this.raw.bufferedAmount < this.#max) return SENT
    return new Promise((resolve) => this.#waiters.push(resolve))
  }

  /**
   * Hands a message to the socket unless the socket is not open or the slow policy drops it; `false` then.
   * What `send()` and broadcasts use, without a promise. @internal
   */
  post(data: WsData, binary: boolean): boolean {
    const raw = this.raw
    if (raw.readyState !== OPEN) return false
    const buffered = raw.bufferedAmount
    if (buffered >= this.#max && this.#slow === 'drop') return false
    if (buffered > 4 * this.#max) {
      // RFC 6455 §7.4.1 1013 "try again later": the client reads slower than we produce.
      raw.close(1013, 'Client too slow')
      return false
    }
    // With deflate, bytes wait in ws's sender where no drain announces them: check after each message.
    raw.send(data, binary ? BINARY : TEXT, this.#deflate ? this.#check : undefined)
    this.count.sent++
    return true
  }

  /** Starts the closing handshake (code `1000` by default). */
  close(code = 1000, reason = ''): void {
    this.raw.close(code, reason)
  }

  /** Destroys the connection without a closing handshake. */
  terminate(): void {
    this.raw.terminate()
  }

  /** Joins `room` (of this handler), for `broadcast(room, data)`; left automatically at close. */
  join(room: string): void {
    if (this.raw.readyState === OPEN) this.#hub.join(this, room)
  }

  /** Leaves `room`. */
  leave(room: string): void {
    this.#hub.leave(this, room)
  }

  // Called on the socket's drain, and with deflate after each written message.
  readonly #check = (): void => {
    if (this.#waiters.length > 0 && this.raw.bufferedAmount < this.#max) this.#release(true)
  }

  #release(sent: boolean): void {
    const waiters = this.#waiters
    this.#waiters = []
    for (const w of waiters) w(sent)
  }
}
