/** The open sockets of one `websocket()` handler: counts per address, rooms, the heartbeat, closing them all. */
import type { Fanout } from './fanout.js'
import type { WsData, WsSocket } from './socket.js'

/** @internal */
export class Hub {
  readonly sockets = new Set<WsSocket>()
  closing = false
  readonly #perIp = new Map<string, number>()
  readonly #rooms = new Map<string, Set<WsSocket>>()
  readonly #heartbeat: number
  readonly #fanout: Fanout | undefined
  #timer: NodeJS.Timeout | undefined

  constructor(heartbeat: number, fanout?: Fanout) {
    this.#heartbeat = heartbeat
    this.#fanout = fanout
    fanout?.attach((room, data) => this.deliver(room, data))
  }

  get size(): number {
    return this.sockets.size
  }

  countOf(ip: string): number {
    return this.#perIp.get(ip) ?? 0
  }

  add(s: WsSocket): void {
    this.sockets.add(s)
    this.#perIp.set(s.ip, this.countOf(s.ip) + 1)
    // One timer for every socket of the handler, not one per socket; it keeps no process alive.
    if (this.#heartbeat > 0 && this.#timer === undefined) this.#timer = setInterval(() => this.#beat(), this.#heartbeat).unref()
  }

  remove(s: WsSocket): void {
    if (!this.sockets.delete(s)) return
    const n = this.countOf(s.ip) - 1
    if (n > 0) this.#perIp.set(s.ip, n)
    else this.#perIp.delete(s.ip)
    for (const room of [...s.rooms]) this.leave(s, room)
    if (this.sockets.size === 0 && this.#timer !== undefined) {
      clearInterval(this.#timer)
      this.#timer = undefined
    }
  }

  join(s: WsSocket, room: string): void {
    let members = this.#rooms.get(room)
    if (members === undefined) {
      members = new Set<WsSocket>()
      this.#rooms.set(room, members)
      this.#fanout?.subscribe(room)
    }
    members.add(s)
    s.rooms.add(room)
  }

  leave(s: WsSocket, room: string): void {
    s.rooms.delete(room)
    const members = this.#rooms.get(room)
    if (members?.delete(s) && members.size === 0) {
      this.#rooms.delete(room)
      this.#fanout?.unsubscribe(room)
    }
  }

  /** Sends to every member of `room` but `except`, here and through the fanout; returns how many here. */
  broadcast(room: string, data: WsData, except?: WsSocket): number {
    this.#fanout?.publish(room, data)
    return this.deliver(room, data, except)
  }

  /** Sends to this process's members of `room` but `except`; returns how many. */
  deliver(room: string, data: WsData, except?: WsSocket): number {
    const members = this.#rooms.get(room)
    if (members === undefined) return 0
    // Encoded once for every member (ws would turn a string into bytes once per socket).
    const binary = typeof data !== 'string'
    const bytes = binary ? data : Buffer.from(data, 'utf8')
    let n = 0
    for (const s of members) {
      if (s === except) continue
      s.post(bytes, binary)
      n++
    }
    return n
  }

  /** Closes every socket with `code`, waits for their closing handshakes, terminates those still open after `timeout`. */
  async closeAll(code: number, reason: string, timeout: number): Promise<void> {
    this.closing = true
    const all = [...this.sockets]
    for (const s of all) s.close(code, reason)
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        for (const s of all) s.terminate()
        resolve()
      }, timeout)
    })
    await Promise.race([Promise.all(all.map((s) => s.closed)), late])
    clearTimeout(timer)
    this.closing = false
  }

  // A peer that answered none of the last two pings is gone; one late pong (a busy client, a slow network)
  // is forgiven.
  #beat(): void {
    for (const s of this.sockets) {
      if (s.missed >= 2) {
        s.terminate()
        continue
      }
      s.missed++
      s.raw.ping()
    }
  }
}
