/** WebSocket routes (`weir/ws`): the handshake behind the app's middleware, bounded by default, with backpressure, rooms and graceful close. */
import type { ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import type { WebSocket as RawWebSocket } from 'ws'
import type { Context } from '../../core/context.js'
import type { Middleware } from '../../core/types.js'
import { requireOptional } from '../../utils/optional.js'
import { admit } from './checks.js'
import { Hub } from './hub.js'
import { type Resolved, type WebSocketOptions, resolveOptions } from './options.js'
import { type WsData, WsSocket } from './socket.js'

export type { WebSocketOptions } from './options.js'
export type { WsData } from './socket.js'
export { WsSocket } from './socket.js'

/** What a WebSocket route does; each gets the request's context (params, `c.get()`, `c.requestId`, `c.log`). */
export interface WebSocketHandlers {
  /** The handshake is done. */
  open?(ws: WsSocket, c: Context): unknown
  /** A whole message: text as a string, binary as a Buffer. */
  message?(ws: WsSocket, data: string | Buffer, isBinary: boolean, c: Context): unknown
  /** The socket closed (code 1006 when the connection just dropped). */
  close?(ws: WsSocket, code: number, reason: string, c: Context): unknown
}

/** Options of {@link WebSocketRoute.closeAll}. */
export interface CloseAllOptions {
  /** Close code. Default `1001` (going away). */
  code?: number
  /** Close reason. Default `'Server shutting down'`. */
  reason?: string
  /** Sockets still open after this many ms are terminated. Default `5_000`. */
  timeout?: number
}

/** The route handler `websocket()` returns, with what reaches all of its sockets. */
export interface WebSocketRoute extends Middleware {
  /** Open sockets of this route. */
  readonly clients: ReadonlySet<WsSocket>
  /** Sends to every socket that joined `room` (this process only), but `except`; returns how many. */
  broadcast(room: string, data: WsData, except?: WsSocket): number
  /** Closes every socket (1001) and resolves once they have closed; for `app.onEvent('closing', …)`. */
  closeAll(options?: CloseAllOptions): Promise<void>
}

/**
 * A route handler that turns an upgrade request into a WebSocket (`ws`, loaded here: an optional peer
 * dependency). Everything before it — auth, rate limits, logger — runs as for any request and may refuse
 * with an ordinary HTTP answer. A request without `Upgrade: websocket` gets 426 `ERR_WS_UPGRADE_REQUIRED`.
 * Bounded by default (see {@link WebSocketOptions}); a handler that throws closes its socket with 1011.
 *
 * @example
 * import { websocket } from 'weir/ws'
 * const chat = websocket({
 *   open: (ws, c) => ws.join(c.params.room),
 *   message: (ws, data, isBinary, c) => chat.broadcast(c.params.room, data, ws),
 * })
 * app.get('/chat/:room', auth, chat)
 * app.onEvent('closing', (timeout) => chat.closeAll({ timeout }))
 */
export function websocket(handlers: WebSocketHandlers, options: WebSocketOptions = {}): WebSocketRoute {
  if (handlers === null || typeof handlers !== 'object') throw new TypeError('websocket: handlers must be an object { open, message, close }')
  for (const k of ['open', 'message', 'close'] as const) {
    if (handlers[k] !== undefined && typeof handlers[k] !== 'function') throw new TypeError(`websocket: handlers.${k} must be a function`)
  }
  const o = resolveOptions(options)
  const { WebSocketServer } = requireOptional<typeof import('ws')>('ws', 'websocket()')
  // noServer: weir's app owns the HTTP server and the upgrade event; the hub tracks the clients.
  const wss = new WebSocketServer({ noServer: true, clientTracking: false, maxPayload: o.maxPayload, perMessageDeflate: o.perMessageDeflate })
  const hub = new Hub(o.heartbeat)

  const route = async function websocket(c: Context, next: () => Promise<unknown>) {
    if (o.skip?.(c)) return next()
    const up = admit(c, o, hub)
    const ip = c.req.ip
    c.res.bypass = true
    wss.handleUpgrade(c.raw.req, up.socket, up.head, (raw) => open(raw, up.socket, ip, c, handlers, hub, o))
  } as WebSocketRoute
  Object.defineProperties(route, {
    clients: { value: hub.sockets },
    broadcast: { value: (room: string, data: WsData, except?: WsSocket) => hub.broadcast(room, data, except) },
    closeAll: { value: (c: CloseAllOptions = {}) => hub.closeAll(c.code ?? 1001, c.reason ?? 'Server shutting down', c.timeout ?? 5_000) },
  })
  return route
}

function open(raw: RawWebSocket, socket: Duplex, ip: string, c: Context, h: WebSocketHandlers, hub: Hub, o: Resolved): void {
  const res = c.raw.res
  // The response no longer owns the socket: its 'close' is ours to emit, when the session ends (below).
  res.detachSocket(socket as Socket)
  const ws = new WsSocket(raw, socket, hub, ip, o)
  hub.add(ws)
  const fail = (err: unknown) => {
    c.log.error({ err, code: 'ERR_WS_HANDLER_FAILED' }, 'A WebSocket handler threw; the socket was closed with 1011')
    c.report(err, 'ws')
    ws.close(1011, 'Internal error')
  }
  const run = (fn: () => unknown) => {
    try {
      const r = fn() as Promise<unknown> | undefined
      if (typeof r?.then === 'function') r.then(undefined, fail)
    } catch (err) {
      fail(err)
    }
  }
  raw.on('message', (data: Buffer, isBinary: boolean) => run(() => h.message?.(ws, isBinary ? data : data.toString('utf8'), isBinary, c)))
  // A protocol error (a message over maxPayload: 1009, invalid UTF-8: 1007) is the client's; ws closes the socket.
  raw.on('error', (err) => c.log.debug({ err, code: 'ERR_WS_PROTOCOL' }, `WebSocket closed on a protocol error: ${err.message}`))
  raw.once('close', (code: number, reason: Buffer) => {
    hub.remove(ws)
    run(() => h.close?.(ws, code, reason.toString('utf8'), c))
    finished(res)
  })
  if (hub.closing) return ws.close(1001, 'Server shutting down')
  run(() => h.open?.(ws, c))
}

// The access log (stats/measure.ts) writes on the response's 'close': one line per session, status 101,
// latency = the session's length, not aborted (the 101 was sent, by ws, on the raw socket).
function finished(res: ServerResponse): void {
  res.statusCode = 101
  Object.defineProperties(res, { headersSent: { value: true }, writableFinished: { value: true } })
  res.emit('close')
}
