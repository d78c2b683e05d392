// The weir app the WebSocket conformance and client tests run against: echo routes built with websocket(),
// each route's close handler recorded by the `?id=` the client put in its URL.
import { type App, createApp } from '../../src/index.js'
import { createLogger } from '../../src/middleware/logger/index.js'
import { type WebSocketHandlers, websocket } from '../../src/middleware/ws/index.js'
import { bounded } from './frames.js'

/** What a route's close handler was called with. */
export interface Seen {
  code: number
  reason: string
}

/** The running app and what its close handlers saw. */
export interface EchoApp {
  app: App
  port: number
  /** Resolves with the close handler's code and reason for the session opened with `?id=<id>`. */
  closedWith(id: string): Promise<Seen>
  close(): Promise<void>
}

/** Largest message `/small` takes. */
export const SMALL = 1000

/**
 * Starts an app on a free port with `/echo` (maxPayload 128 KiB), `/small` (maxPayload {@link SMALL}) and
 * `/deflate` (deflate on), all echoing every message as it came (text as text, binary as binary), heartbeat
 * off so no server ping lands among the frames a test reads. `extra` may add routes (a page).
 */
export async function startEchoApp(extra?: (app: App) => void): Promise<EchoApp> {
  const app = createApp({ mode: 'test', logger: createLogger({ level: 'silent', mode: 'test' }) })
  const seen = new Map<string, Seen>()
  const waiting = new Map<string, (s: Seen) => void>()
  const handlers: WebSocketHandlers = {
    message: (ws, data) => ws.send(data),
    close(_ws, code, reason, c) {
      const id = c.req.query.id
      if (id === undefined) return
      seen.set(id, { code, reason })
      waiting.get(id)?.({ code, reason })
    },
  }
  const routes = [
    websocket(handlers, { heartbeat: 0, maxPayload: 128 << 10 }),
    websocket(handlers, { heartbeat: 0, maxPayload: SMALL }),
    websocket(handlers, { heartbeat: 0, deflate: true }),
  ] as const
  app.get('/echo', routes[0])
  app.get('/small', routes[1])
  app.get('/deflate', routes[2])
  app.onEvent('closing', async (timeout) => {
    await Promise.all(routes.map((r) => r.closeAll({ timeout })))
  })
  extra?.(app)
  await app.listen({ port: 0, host: '127.0.0.1' })
  return {
    app,
    port: app.port as number,
    closedWith(id) {
      const s = seen.get(id)
      if (s) return Promise.resolve(s)
      return bounded(new Promise<Seen>((resolve) => waiting.set(id, resolve)), `the close handler of ${id}`)
    },
    close: () => app.close({ timeout: 1000 }),
  }
}
