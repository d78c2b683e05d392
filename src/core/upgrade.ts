/** Requests that ask to switch protocols (WebSocket): run through the app like any request, socket held aside. */
import { type IncomingMessage, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import type { ClosingListener } from './events.js'

/** The raw connection of a request that asked to switch protocols (`Upgrade:`), for a WebSocket library to take. */
export interface Upgrade {
  /** The connection; once taken, weir no longer writes to it. */
  readonly socket: Duplex
  /** Bytes the client sent after the request head (the start of the new protocol). */
  readonly head: Buffer
  /**
   * Adds a listener to the app's `'closing'` event (as `app.onEvent('closing', …)` does), so whoever takes
   * the socket can close it with its own protocol when the app closes. The same function for every upgrade
   * of one app: keep it in a `WeakSet` to register once per app.
   */
  readonly whenClosing: (listener: ClosingListener) => void
}

const UPGRADE = Symbol('weir.upgrade')

type Marked = IncomingMessage & { [UPGRADE]?: Upgrade }

/** The upgrade a request carries, if it came through the server's `upgrade` event. */
export function upgradeOf(req: IncomingMessage): Upgrade | undefined {
  return (req as Marked)[UPGRADE]
}

/**
 * Turns Node's `upgrade` event into an ordinary request for `handle`: a `ServerResponse` on the raw socket
 * (so middleware can refuse with a plain HTTP answer, after which the socket is closed), and the socket
 * and head kept on the request for whoever takes the upgrade over.
 */
export function upgradeListener(
  handle: (req: IncomingMessage, res: ServerResponse) => void,
  whenClosing: (listener: ClosingListener) => void,
): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  return (req, socket, head) => {
    ;(req as Marked)[UPGRADE] = { socket, head, whenClosing }
    const res = new ServerResponse(req)
    res.shouldKeepAlive = false
    res.assignSocket(socket as import('node:net').Socket)
    // An answer written here ends the connection: no parser reads a next request on an upgraded socket.
    res.once('finish', () => socket.end())
    socket.once('error', () => socket.destroy())
    handle(req, res)
  }
}
