// Raw-socket helpers for the hostile-input suite: bytes go out exactly as written, no client normalisation.
import { connect } from 'node:net'
import { type App, createApp } from '../../src/index.js'
import { consoleLogger } from '../../src/utils/console-logger.js'

/** Starts an app on 127.0.0.1:0 with a silent logger. */
export async function serve(setup: (app: App) => void, opts: Parameters<typeof createApp>[0] = {}): Promise<App> {
  const app = createApp({ mode: 'release', logger: consoleLogger('silent'), ...opts })
  setup(app)
  await app.listen({ port: 0, host: '127.0.0.1' })
  return app
}

/** What came back on a raw exchange: the bytes, and whether the server closed the socket. */
export interface Exchange {
  text: string
  closed: boolean
  ms: number
}

/**
 * Writes `data` (string parts are written one after another with `gap` ms between them) and reads until
 * the server closes the socket or `timeout` ms pass.
 */
export function exchange(port: number, data: string | string[], timeout = 1500, gap = 0): Promise<Exchange> {
  return new Promise((resolve) => {
    const t0 = Date.now()
    const s = connect(port, '127.0.0.1')
    let text = ''
    let closed = false
    const finish = () => {
      clearTimeout(timer)
      s.destroy()
      resolve({ text, closed, ms: Date.now() - t0 })
    }
    const timer = setTimeout(finish, timeout)
    s.on('data', (d) => {
      text += d.toString('latin1')
    })
    s.on('end', () => {
      closed = true
    })
    s.on('close', () => {
      closed = true
      finish()
    })
    s.on('error', () => {})
    const parts = Array.isArray(data) ? data : [data]
    let i = 0
    const next = () => {
      if (i >= parts.length || s.destroyed) return
      s.write(parts[i++]!)
      if (i < parts.length) setTimeout(next, gap)
    }
    next()
  })
}

/** The status code of the first response in `text`, or 0 when there is none. */
export function statusOf(text: string): number {
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(text)
  return m ? Number(m[1]) : 0
}
