/** Broadcasts across processes and machines: `redisFanout()` relays a route's rooms through Redis pub/sub. */
import { randomBytes } from 'node:crypto'
import type { Redis } from 'ioredis'
import { requireOptional } from '../../utils/optional.js'
import type { WsData } from './socket.js'

/** Delivers a message published by another process to this process's members of `room`. */
export type Deliver = (room: string, data: WsData) => void

/** What `websocket({ fanout })` needs to relay its rooms beyond this process. */
export interface Fanout {
  /** True while both connections are up: broadcasts then reach the other processes. */
  readonly connected: boolean
  /** Called once by the route; messages from other processes go to `deliver`. */
  attach(deliver: Deliver): void
  /** This process has a member in `room` from now on: receive its messages. */
  subscribe(room: string): void
  /** No member left here: stop receiving `room`. */
  unsubscribe(room: string): void
  /** Sends to the other processes; dropped (returns `false`) while Redis is away. */
  publish(room: string, data: WsData): boolean
  /** Closes the connections (the route's close does it on `app.close()`). */
  close(): Promise<void>
}

/** Options of {@link redisFanout}. */
export interface RedisFanoutOptions {
  /** Where Redis is. Default `redis://127.0.0.1:6379`. */
  url?: string
  /** Channel names start with this, then the room: `weir:ws:chat:<room>`. One channel per route. Default `'weir:ws:default:'`. */
  channel?: string
  /** Longest wait between reconnection attempts, ms. Default `2_000`. */
  maxReconnectDelay?: number
  /** Told when a connection fails or a broadcast is dropped (Redis away); default: nothing. */
  onError?: (err: Error) => void
}

// A message on the wire: 1 byte of flags (bit 0: binary), the 16-byte id of the process that sent it, the data.
const HEAD = 17

/**
 * Relays a route's rooms through Redis pub/sub, so `broadcast(room, …)` reaches members on every process
 * and machine using the same Redis and channel. Two connections (one publishes, one subscribes) made on
 * first use; each reconnects by itself with capped backoff and the subscriber subscribes again to every
 * room with a member here, so broadcasts resume after a Redis restart. While Redis is away, broadcasts
 * reach this process's members only (`publish` returns `false`; nothing is queued). Needs `ioredis`.
 *
 * @example
 * import { redisFanout, websocket } from 'weir/ws'
 * const chat = websocket(handlers, { fanout: redisFanout({ url: process.env.REDIS_URL, channel: 'chat:' }) })
 */
export function redisFanout(options: RedisFanoutOptions = {}): Fanout {
  const url = options.url ?? 'redis://127.0.0.1:6379'
  const prefix = options.channel ?? 'weir:ws:default:'
  const maxDelay = options.maxReconnectDelay ?? 2_000
  if (typeof url !== 'string' || !/^rediss?:\/\//.test(url)) throw new TypeError(`redisFanout: url must be a redis:// or rediss:// URL, got ${String(url)}`)
  if (typeof prefix !== 'string') throw new TypeError('redisFanout: channel must be a string')
  if (!Number.isInteger(maxDelay) || maxDelay < 1) throw new TypeError(`redisFanout: maxReconnectDelay must be a positive integer, got ${maxDelay}`)
  const onError = options.onError ?? (() => {})
  const me = randomBytes(16)
  const rooms = new Set<string>()
  let deliver: Deliver | undefined
  let pub: Redis | undefined
  let sub: Redis | undefined
  let closed = false

  const connect = (): void => {
    if (pub || closed) return
    const { Redis } = requireOptional<typeof import('ioredis')>('ioredis', 'redisFanout()')
    const settings = {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResubscribe: false, // done below, for every room, including those joined while Redis was away
      retryStrategy: (attempt: number) => Math.min(50 * 2 ** attempt, maxDelay),
    }
    pub = new Redis(url, settings).on('error', onError)
    sub = new Redis(url, settings).on('error', onError)
    sub.on('ready', () => {
      if (rooms.size > 0) sub!.subscribe(...[...rooms].map((r) => prefix + r)).catch(onError)
    })
    sub.on('messageBuffer', (channel: Buffer, message: Buffer) => {
      if (message.length < HEAD || me.equals(message.subarray(1, HEAD))) return // too short, or our own
      const room = channel.toString('utf8').slice(prefix.length)
      const body = message.subarray(HEAD)
      deliver?.(room, message[0]! & 1 ? body : body.toString('utf8'))
    })
  }
  const ready = (c: Redis | undefined): c is Redis => c?.status === 'ready'

  return {
    get connected() {
      return ready(pub) && ready(sub)
    },
    attach(d) {
      if (deliver) throw new TypeError('redisFanout: this fanout already serves a route; make one per route')
      deliver = d
      connect()
    },
    subscribe(room) {
      rooms.add(room)
      if (ready(sub)) sub.subscribe(prefix + room).catch(onError)
    },
    unsubscribe(room) {
      rooms.delete(room)
      if (ready(sub)) sub.unsubscribe(prefix + room).catch(onError)
    },
    publish(room, data) {
      connect()
      if (!ready(pub)) {
        onError(Object.assign(new Error('Redis is away: the broadcast reached this process only'), { code: 'ERR_WS_FANOUT_DOWN' }))
        return false
      }
      const binary = typeof data !== 'string'
      const body = binary ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(data, 'utf8')
      pub.publish(prefix + room, Buffer.concat([Buffer.of(binary ? 1 : 0), me, body])).catch(onError)
      return true
    },
    async close() {
      closed = true
      const all = [pub, sub]
      pub = sub = undefined
      await Promise.all(all.map((c) => c?.quit().catch(() => c.disconnect())))
    },
  }
}
