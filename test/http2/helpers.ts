// Shared by the HTTP/2 tests: apps on TLS or h2c ports, a small node:http2 client, curl.
import { execFile } from 'node:child_process'
import { type ClientHttp2Session, type IncomingHttpHeaders, type OutgoingHttpHeaders, connect } from 'node:http2'
import { after } from 'node:test'
import { type App, type AppOptions, type ListenOptions, createApp } from '../../src/index.js'
import { consoleLogger } from '../../src/utils/console-logger.js'
import { type TestCert, selfSignedCert } from '../support/cert.js'

let shared: TestCert | undefined
/** One certificate per test file. */
export const cert = (): TestCert => (shared ??= selfSignedCert())

export type TestApp = App & { logs: Array<Record<string, unknown>>; origin: string }

/** An app listening on a free port (`https://localhost:port`, or `http://` for h2c), closed when the file ends. */
export async function start(setup: (app: App) => void, listen: Omit<ListenOptions, 'port'> = { http2: true }, opts: AppOptions = {}): Promise<TestApp> {
  const logs: Array<Record<string, unknown>> = []
  const app = createApp({ mode: 'test', logger: consoleLogger('debug', (l) => logs.push(JSON.parse(l))), ...opts })
  setup(app)
  const tls = listen.http2 === 'h2c' ? undefined : { key: cert().key, cert: cert().cert }
  await app.listen({ tls, ...listen, port: 0, host: '127.0.0.1' })
  after(() => app.close({ timeout: 100 }))
  const origin = `${tls ? 'https' : 'http'}://localhost:${app.port}`
  return Object.assign(app, { logs, origin })
}

/** A node:http2 client session (certificate not checked), closed when the file ends. */
export function client(origin: string): ClientHttp2Session {
  const session = connect(origin, { rejectUnauthorized: false })
  session.on('error', () => {})
  after(() => session.destroy())
  return session
}

export interface H2Response {
  status: number
  headers: IncomingHttpHeaders
  body: Buffer
  text: string
}

/** One request on a session; resolves with the whole response. */
export function request(session: ClientHttp2Session, path: string, headers: OutgoingHttpHeaders = {}, body?: string | Buffer): Promise<H2Response> {
  return new Promise((resolve, reject) => {
    const req = session.request({ ':path': path, ...headers }, { endStream: body === undefined })
    const chunks: Buffer[] = []
    let head: IncomingHttpHeaders = {}
    req.on('response', (h) => {
      head = h
    })
    req.on('data', (d: Buffer) => chunks.push(d))
    req.on('end', () => {
      const b = Buffer.concat(chunks)
      resolve({ status: Number(head[':status']), headers: head, body: b, text: b.toString() })
    })
    req.on('error', reject)
    if (body !== undefined) req.end(body)
  })
}

/** Runs curl; resolves with stdout (curl's exit code must be 0). */
export function curl(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('curl', ['-sS', '--max-time', '30', ...args], { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`curl ${args.join(' ')}: ${err.message} ${stderr}`))
      else resolve(stdout)
    })
  })
}

/** Waits until `check` is true, polling; fails after `ms`. */
export async function until(check: () => boolean, ms = 10_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}
