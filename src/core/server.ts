/** The Node server `listen` makes: HTTP/1.1, HTTPS, HTTP/2 over TLS (with HTTP/1.1 beside it) or cleartext h2c. */
import { Server as HttpServer, type IncomingMessage, type Server, type ServerResponse, createServer as createHttpServer } from 'node:http'
import { type Http2SecureServer, type Http2Server, type Http2ServerRequest, createSecureServer, createServer as createH2cServer } from 'node:http2'
import { createServer as createHttpsServer } from 'node:https'
import type { SecureContextOptions, TlsOptions } from 'node:tls'
import { type Http2Limits, H2Sessions, type H2Settings, WeirHttp2Request, http2Settings } from './http2.js'

/** Any server `listen` makes. `net.Server` methods (`address`, `getConnections`, events) work on all. */
export type NodeServer = Server | Http2SecureServer | Http2Server

/** TLS options of `listen({ tls })`: at least `key` and `cert` (or `pfx`), as `node:tls` takes them. */
export type ListenTls = SecureContextOptions & Pick<TlsOptions, 'ALPNProtocols' | 'SNICallback' | 'requestCert' | 'rejectUnauthorized' | 'minVersion' | 'maxVersion'>

/** The Node settings `listen` starts from: timeouts and sizes (`createApp({ server })`, resolved). */
export interface ServerSettings {
  headersTimeout: number
  requestTimeout: number
  keepAliveTimeout: number
  connectionsCheckingInterval: number
  maxHeaderSize: number | undefined
  http2: Http2Limits | undefined
}

/** What the app hands the server: the request listener and the HTTP/1.1-only ones. */
export interface Listeners {
  request: (req: IncomingMessage, res: ServerResponse) => void
  checkContinue: (req: IncomingMessage, res: ServerResponse) => void
  upgrade: (req: IncomingMessage, socket: import('node:stream').Duplex, head: Buffer) => void
  clientError: (err: Error, socket: import('node:net').Socket) => void
}

/** A server and how a graceful close reaches its connections, whatever the protocol. */
export interface Served {
  readonly server: NodeServer
  /** Closes connections with nothing in flight; HTTP/2 sessions get GOAWAY (their streams finish). */
  closeIdle(): void
  /** Cuts every connection. */
  closeAll(): void
}

/**
 * Makes the server for `listen` options: `tls` → HTTPS; `tls` + `http2: true` → HTTP/2 and HTTP/1.1 on the
 * same port (ALPN); `http2: 'h2c'` → cleartext HTTP/2 with prior knowledge. Throws `TypeError` for a
 * combination that cannot work.
 */
export function makeServer(tls: ListenTls | undefined, http2: boolean | 'h2c' | undefined, s: ServerSettings, on: Listeners): Served {
  if (http2 === 'h2c' && tls !== undefined) throw new TypeError("listen(): http2: 'h2c' is cleartext HTTP/2; with tls use http2: true")
  if (http2 === true && tls === undefined) {
    throw new TypeError("listen(): http2: true needs tls (browsers speak HTTP/2 only over TLS); use http2: 'h2c' for cleartext HTTP/2 behind a proxy")
  }
  if (http2 !== undefined && http2 !== false && http2 !== true && http2 !== 'h2c') throw new TypeError(`listen(): http2 must be true, false or 'h2c', got ${JSON.stringify(http2)}`)
  if (tls !== undefined && (typeof tls !== 'object' || tls === null)) throw new TypeError('listen(): tls must be an object with key and cert (or pfx)')
  if (http2 === true || http2 === 'h2c') return h2Server(tls, s, on)
  const options = {
    // weir answers a missing Host itself, with a code (Node's own check sends a bare 400).
    requireHostHeader: false,
    headersTimeout: s.headersTimeout,
    requestTimeout: s.requestTimeout,
    connectionsCheckingInterval: s.connectionsCheckingInterval,
    maxHeaderSize: s.maxHeaderSize,
  }
  const server = tls === undefined ? createHttpServer(options, on.request) : (createHttpsServer({ ...tls, ...options }, on.request) as unknown as Server)
  http1Listeners(server, s, on)
  return { server, closeIdle: () => server.closeIdleConnections(), closeAll: () => server.closeAllConnections() }
}

function http1Listeners(server: Server | Http2SecureServer, s: ServerSettings, on: Listeners): void {
  ;(server as Server).keepAliveTimeout = s.keepAliveTimeout
  server.on('clientError', on.clientError)
  // Expect: 100-continue is answered when the body is first read, so a refused body is never invited.
  server.on('checkContinue', on.checkContinue)
  // Upgrade requests (WebSocket) go through the routes and middleware too; see weir/ws.
  server.on('upgrade', on.upgrade)
}

function h2Server(tls: ListenTls | undefined, s: ServerSettings, on: Listeners): Served {
  const limits: H2Settings = http2Settings(s.http2, s.maxHeaderSize)
  const server =
    tls === undefined
      ? createH2cServer({ ...limits.server, Http2ServerRequest: H2_REQUEST }, on.request as never)
      : createSecureServer({ ...tls, ...limits.server, allowHTTP1: true, Http2ServerRequest: H2_REQUEST }, on.request as never)
  const sessions = new H2Sessions(server, limits.idleTimeout)
  if (tls === undefined) {
    server.on('checkContinue', on.checkContinue as never)
    return { server, closeIdle: () => sessions.closeIdle(), closeAll: () => sessions.closeAll() }
  }
  // HTTP/1.1 on the TLS port (ALPN, or a client without it) runs Node's HTTP/1.1 server code on this
  // server, with the same timeouts and connection tracking as a plain one.
  const h1 = server as Http2SecureServer & Server & { connectionsCheckingInterval: number }
  h1.headersTimeout = s.headersTimeout
  h1.requestTimeout = s.requestTimeout
  h1.connectionsCheckingInterval = s.connectionsCheckingInterval
  http1Listeners(h1, s, on)
  return {
    server,
    closeIdle: () => {
      sessions.closeIdle()
      HTTP1.closeIdleConnections.call(h1)
    },
    closeAll: () => {
      sessions.closeAll()
      HTTP1.closeAllConnections.call(h1)
    },
  }
}

/** weir's HTTP/2 request class (pseudo-headers out of `headers`), as Node's option takes it. */
const H2_REQUEST = WeirHttp2Request as unknown as typeof Http2ServerRequest

/** Node's HTTP/1.1 connection closers work on any server that tracks HTTP/1.1 connections (allowHTTP1 does). */
const HTTP1 = HttpServer.prototype
