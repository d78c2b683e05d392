/** What is refused before the handshake: not an upgrade, a malformed handshake, a foreign origin, too many sockets. */
import type { Context } from '../../core/context.js'
import type { Upgrade } from '../../core/upgrade.js'
import { HttpError } from '../../errors.js'
import type { Hub } from './hub.js'
import type { Resolved } from './options.js'

/**
 * The upgrade of `c` if it may become a WebSocket; else throws the `HttpError` to answer, so middleware
 * (logger, cors) see an ordinary response and the socket closes after it.
 */
export function admit(c: Context, o: Resolved, hub: Hub): Upgrade {
  const up = c.req.upgrade
  // RFC 9110 §15.5.22: a 426 names the protocol to switch to.
  if (up === undefined || c.req.header('upgrade')?.toLowerCase() !== 'websocket') {
    throw new HttpError(426, 'This route speaks WebSocket only: send an Upgrade: websocket request', {
      code: 'ERR_WS_UPGRADE_REQUIRED',
      // A Connection header of ours replaces Node's keep-alive decision: keep its "close" (RFC 9112 §9.6).
      headers: { upgrade: 'websocket', connection: c.raw.res.shouldKeepAlive ? 'Upgrade' : 'Upgrade, close' },
    })
  }
  // RFC 6455 §4.2.1: a 16-byte base64 key, version 13 (ws also speaks 8).
  const version = c.req.header('sec-websocket-version')
  if (c.req.method !== 'GET' || !/^[+/0-9A-Za-z]{22}==$/.test(c.req.header('sec-websocket-key') ?? '') || (version !== '13' && version !== '8')) {
    throw new HttpError(400, 'Malformed WebSocket handshake (RFC 6455 §4.2.1)', { code: 'ERR_WS_BAD_HANDSHAKE', headers: { 'sec-websocket-version': '13, 8' } })
  }
  if (o.checkOrigin && c.req.header('cookie') !== undefined && !sameOrigin(c, o.origins)) {
    throw new HttpError(403, 'The Origin of this WebSocket request is not allowed', { code: 'ERR_WS_ORIGIN' })
  }
  if (hub.closing) throw new HttpError(503, 'The server is shutting down', { code: 'ERR_SERVER_CLOSING' })
  if (hub.size >= o.maxConnections) throw new HttpError(503, 'Too many WebSockets are open; retry later', { code: 'ERR_WS_TOO_MANY' })
  if (hub.countOf(c.req.ip) >= o.maxConnectionsPerIp) {
    throw new HttpError(429, 'Too many WebSockets are open from this address', { code: 'ERR_WS_TOO_MANY_PER_IP' })
  }
  return up
}

// Browsers always send Origin on a WebSocket handshake; a client without one is no cross-site page
// riding the user's cookies (cross-site WebSocket hijacking), so only a present, foreign Origin is refused.
function sameOrigin(c: Context, allowed: ReadonlySet<string>): boolean {
  const origin = c.req.header('origin')
  if (origin === undefined || allowed.has(origin)) return true
  try {
    return new URL(origin).host.toLowerCase() === c.req.host.toLowerCase()
  } catch {
    return false // 'null' (sandboxed pages, files) and garbage
  }
}
