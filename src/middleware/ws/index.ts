/** WebSocket routes (`weir/ws`): the handshake behind the app's middleware, bounded by default, with backpressure, rooms and graceful close. */
import type { ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import type { StandardSchemaV1 } from '@standard-schema/spec'
import type { WebSocket as RawWebSocket } from 'ws'
import type { Context } from '../../core/context.js'
import type { Middleware } from '../../core/types.js'
import { requireOptional } from '../../utils/optional.js'
import { admit } from './checks.js'
import { Hub } from './hub.js'
import { type Checked, Inbox, check } from './inbox.js'
import { type BufferTextOptions, type Resolved, type SchemaOptions, type WebSocketOptions, resolveOptions } from './options.js'
import { type WsData, WsSocket } from './socket.js'

export type { Fanout, RedisFanoutOptions } from './fanout.js'
export { redisFanout } from './fanout.js'
export type { MessageIssue } from './inbox.js'
export type { BufferTextOptions, SchemaOptions, WebSocketOptions } from './options.js'
export type { WsData } from './socket.js'
export { WsSocket } from './socket.js'

/** What a WebSocket route does; each gets the request's context (params, `c.get()`, `c.requestId`, `c.log`). */
export interface WebSocketHandlers<M = string | Buffer> {
  /** The handshake is done. Messages that arrive while an async `open` runs wait for it (up to `maxQueued`). */
  open?(ws: WsSocket, c: Context): unknown
  /** A whole message, in arrival order: text as a string, binary as a Buffer; with `schema`, its output. */
  message?(ws: WsSocket, data: M, isBinary: boolean, c: Context): unknown
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
  /** Closes every socket (1001) and resolves once they have closed; `app.close()` does it by itself. */
  closeAll(options?: CloseAllOptions): Promise<void>
}

/**
 * A route handler that turns an upgrade request into a WebSocket (`ws`, loaded here: an optional peer
 * dependency). Everything before it — auth, rate limits, logger — runs as for any request and may refuse
 * with an ordinary HTTP answer. A request without `Upgrade: websocket` gets 426 `ERR_WS_UPGRADE_REQUIRED`.
 * Bounded by default (see {@link WebSocketOptions}); a handler that throws closes its socket with 1011.
 * `app.close()` closes every socket with 1001 and waits for them (and closes the `fanout`).
 *
 * @example
 * import { websocket } from 'weir/ws'
 * const chat = websocket({
 *   open: (ws, c) => ws.join(c.params.room),
 *   message: (ws, data, isBinary, c) => chat.broadcast(c.params.room, data, ws),
 * })
 * app.get('/chat/:room', auth, chat)
 *
 * @example
 * // JSON messages checked by a Standard Schema validator; message() gets the typed output
 * const Say = z.object({ text: z.string().max(500) })
 * const room = websocket({ message: (ws, m) => room.broadcast('all', m.text) }, { schema: Say })
 *
 * @example
 * // An echo: text arrives as the bytes received and goes back out as text, never decoded
 * const echo = websocket({ message: (ws, data, isBinary) => ws.send(data, { binary: isBinary }) }, { text: 'buffer' })
 */
export function websocket<S extends StandardSchemaV1>(handlers: WebSocketHandlers<StandardSchemaV1.InferOutput<S>>, options: SchemaOptions<S>): WebSocketRoute
export function websocket(handlers: WebSocketHandlers<Buffer>, options: BufferTextOptions): WebSocketRoute
export function websocket(handlers: WebSocketHandlers, options?: WebSocketOptions): WebSocketRoute
export function websocket(handlers: WebSocketHandlers<unknown>, options: WebSocketOptions = {}): WebSocketRoute {
  if (handlers === null || typeof handlers !== 'object') throw new TypeError('websocket: handlers must be an object { open, message, close }')
  for (const k of ['open', 'message', 'close'] as const) {
    if (handlers[k] !== undefined && typeof handlers[k] !== 'function') throw new TypeError(`websocket: handlers.${k} must be a function`)
  }
  const o = resolveOptions(options)
  const { WebSocketServer } = requireOptional<typeof import('ws')>('ws', 'websocket()')
  // noServer: weir's app owns the HTTP server and the upgrade event; the hub tracks the clients.
  const wss = new WebSocketServer({ noServer: true, clientTracking: false, maxPayload: o.maxPayload, perMessageDeflate: o.perMessageDeflate })
  const hub = new Hub(o.heartbeat, o.fanout)
  const closeAll = async (c: CloseAllOptions = {}): Promise<void> => {
    await hub.closeAll(c.code ?? 1001, c.reason ?? 'Server shutting down', c.timeout ?? 5_000)
  }
  // Each app this route serves closes its sockets (and the fanout's connections) when it closes.
  const apps = new WeakSet<object>()
  const onClosing = async (timeout: number): Promise<void> => {
    await closeAll({ timeout })
    await o.fanout?.close()
  }

  const route = async function websocket(c: Context, next: () => Promise<unknown>) {
    if (o.skip?.(c)) return next()
    const up = admit(c, o, hub)
    if (!apps.has(up.whenClosing)) {
      apps.add(up.whenClosing)
      up.whenClosing(onClosing)
    }
    const ip = c.req.ip
    c.res.bypass = true
    wss.handleUpgrade(c.raw.req, up.socket, up.head, (raw) => open(raw, up.socket, ip, c, handlers, hub, o))
  } as WebSocketRoute
  Object.defineProperties(route, {
    clients: { value: hub.sockets },
    broadcast: { value: (room: string, data: WsData, except?: WsSocket) => hub.broadcast(room, data, except) },
    closeAll: { value: closeAll },
  })
  return route
}

function open(raw: RawWebSocket, socket: Duplex, ip: string, c: Context, h: WebSocketHandlers<unknown>, hub: Hub, o: Resolved): void {
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
  // Runs a handler; a promise it returns is caught, and given back so that open() can hold messages.
  const run = (fn: () => unknown): Promise<unknown> | undefined => settled(fn, fail)
  const inbox = new Inbox(o.maxQueued, receive(ws, c, h, o, fail), () => ws.close(1008, 'Too many messages before the socket was ready'))
  raw.on('message', (data: Buffer, isBinary: boolean) => {
    ws.count.received++
    inbox.push(data, isBinary)
  })
  // A protocol error (a message over maxPayload: 1009, invalid UTF-8: 1007) is the client's; ws closes the socket.
  raw.on('error', (err) => c.log.debug({ err, code: 'ERR_WS_PROTOCOL' }, `WebSocket closed on a protocol error: ${err.message}`))
  raw.once('close', (code: number, reason: Buffer) => {
    hub.remove(ws)
    const { received, sent } = ws.count
    const net = socket as Socket
    c.log.debug({ code: 'WS_SESSION_END', closeCode: code, received, sent, bytesIn: net.bytesRead, bytesOut: net.bytesWritten }, 'WebSocket session ended')
    run(() => h.close?.(ws, code, reason.toString('utf8'), c))
    finished(res)
  })
  if (hub.closing) return ws.close(1001, 'Server shutting down')
  const opening = run(() => h.open?.(ws, c))
  if (opening === undefined) inbox.release()
  else opening.then(() => inbox.release())
}

/** Calls `fn`; what it throws, or a promise it returns rejects with, goes to `fail`. Gives back that promise. */
function settled(fn: () => unknown, fail: (err: unknown) => void): Promise<unknown> | undefined {
  try {
    const r = fn() as Promise<unknown> | undefined
    if (typeof r?.then === 'function') return r.then(undefined, fail)
  } catch (err) {
    fail(err)
  }
  return undefined
}

// What the inbox does with each message: the handler at once, or after the schema's check (held while an
// asynchronous check runs, so messages keep their order). Without a schema this is the per-message path:
// no closure or promise is made for a handler that returns nothing.
function receive(ws: WsSocket, c: Context, h: WebSocketHandlers<unknown>, o: Resolved, fail: (err: unknown) => void) {
  const message = h.message
  const handle = (data: unknown, isBinary: boolean): undefined => {
    if (message === undefined) return
    try {
      const r = message(ws, data, isBinary, c) as Promise<unknown> | undefined
      if (r !== undefined && typeof r.then === 'function') r.then(undefined, fail)
    } catch (err) {
      fail(err)
    }
  }
  const schema = o.schema
  if (schema === undefined && o.text === 'buffer') return handle
  if (schema === undefined) {
    return (data: Buffer, isBinary: boolean): undefined => handle(isBinary ? data : data.toString('utf8'), isBinary)
  }
  const rejected = (err: unknown): undefined => void fail(err)
  const settle = (r: Checked, isBinary: boolean): void => {
    if (r.ok) return handle(r.value, isBinary)
    if (o.invalid === 'close') return ws.close(1008, 'Invalid message')
    void ws.send(JSON.stringify({ error: r.issue }))
  }
  return (data: Buffer, isBinary: boolean): Promise<void> | undefined => {
    // A validator that throws or rejects is a bug on our side of the socket, like a handler that throws.
    let r: Checked | Promise<Checked>
    try {
      r = check(schema, data, isBinary)
    } catch (err) {
      return rejected(err)
    }
    if (!(r instanceof Promise)) return void settle(r, isBinary)
    return r.then((checked) => settle(checked, isBinary), rejected)
  }
}

// The access log (stats/measure.ts) writes on the response's 'close': one line per session, status 101,
// latency = the session's length, not aborted (the 101 was sent, by ws, on the raw socket).
function finished(res: ServerResponse): void {
  res.statusCode = 101
  Object.defineProperties(res, { headersSent: { value: true }, writableFinished: { value: true } })
  res.emit('close')
}
