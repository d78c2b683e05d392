// weir's WebSocket routes spoken to by clients weir did not write: Python's `websockets` and `wsproto`
// (Debian's packages, scripts in clients/), npm's `websocket-driver` over a plain TCP socket, and headless
// Chromium. Each echoes text and binary, closes with a code the server echoes and its close handler sees, and
// gets 1009 for a message over the route's maxPayload.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { connect as tcp } from 'node:net'
import type { Duplex, Readable } from 'node:stream'
import { promisify } from 'node:util'
import { after, before, describe, it } from 'node:test'
import type { Browser } from 'playwright-core'
import { launchBrowser } from '../support/browser.js'
import { type EchoApp, SMALL, startEchoApp } from './app.js'
import { BOUND, bounded } from './frames.js'

// Debian's interpreter, where python3-websockets and python3-wsproto are installed: a `python3` earlier on PATH
// (pyenv, a venv) may not see them. `WEIR_PYTHON` overrides it.
const PYTHON = process.env.WEIR_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3')
const SCRIPTS = new URL('./clients/', import.meta.url)

const TEXT = 'héllo ✓ 😀'
const BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i))

let srv: EchoApp
before(async () => {
  srv = await startEchoApp((app) => app.get('/page', (c) => c.html(PAGE)))
})
after(() => srv.close())

/** Runs a client script with the app's port and parses the one JSON object it prints. */
async function python(script: string): Promise<Record<string, unknown>> {
  // Async: the server runs in this process, so a synchronous child would block it.
  const { stdout } = await promisify(execFile)(PYTHON, [new URL(script, SCRIPTS).pathname, String(srv.port)], { timeout: 3 * BOUND, encoding: 'utf8' })
  return JSON.parse(stdout) as Record<string, unknown>
}

describe('WebSocket routes and independent clients', () => {
  it('python3 websockets: echoes text, binary and 70 KB, echoes close 4001, gets 1009 when oversized, negotiates deflate', async () => {
    const r = await python('websockets_client.py')
    assert.equal(r.text, TEXT)
    assert.equal(r.binary, BYTES.toString('hex'))
    assert.equal(r.big, 70_000)
    assert.deepEqual(r.close, [4001, 'bye ✓'])
    assert.deepEqual(await srv.closedWith('py-websockets'), { code: 4001, reason: 'bye ✓' })
    assert.equal(r.extensions, null, 'no deflate on a route that did not ask for it')
    assert.match(String(r.deflate_extensions), /^permessage-deflate\b/)
    assert.equal(r.deflate_echo, true)
    assert.equal(r.oversized, 1009)
  })

  it('python3 wsproto: echoes text, binary and 70 KB, echoes close 4002, gets 1009 when oversized', async () => {
    const r = await python('wsproto_client.py')
    assert.equal(r.text, TEXT)
    assert.equal(r.binary, BYTES.toString('hex'))
    assert.equal(r.big, 70_000)
    assert.deepEqual(r.close, [4002, 'bye ✓'])
    assert.deepEqual(await srv.closedWith('py-wsproto'), { code: 4002, reason: 'bye ✓' })
    assert.deepEqual(r.oversized, [1009, ''])
  })

  it('websocket-driver over node:net: echoes text and binary, echoes close 4005, gets 1009 when oversized', async () => {
    const s = await driverSession('/echo?id=driver')
    s.driver.text(TEXT)
    assert.equal(await s.next(), TEXT)
    s.driver.binary(BYTES)
    const bin = await s.next()
    assert.ok(Buffer.isBuffer(bin) && bin.equals(BYTES))
    s.driver.close('bye ✓', 4005)
    assert.deepEqual(await s.closed, { code: 4005, reason: 'bye ✓' })
    assert.deepEqual(await srv.closedWith('driver'), { code: 4005, reason: 'bye ✓' })
    await s.ended

    const small = await driverSession('/small')
    small.driver.text('y'.repeat(SMALL + 1))
    assert.equal((await small.closed).code, 1009)
    await small.ended
  })

  describe('headless Chromium', () => {
    let browser: Browser
    before(async () => {
      browser = await launchBrowser()
    })
    after(() => browser?.close())

    it("echoes text and binary, echoes close 4003, and sees 1009 in onclose for an oversized message", async () => {
      const page = await browser.newPage()
      try {
        await page.goto(`http://127.0.0.1:${srv.port}/page`)
        await page.waitForFunction(() => (window as unknown as { result?: unknown }).result !== undefined, undefined, { timeout: BOUND })
        const r = (await page.evaluate(() => (window as unknown as { result: unknown }).result)) as Record<string, unknown>
        assert.equal(r.error, undefined)
        assert.equal(r.text, TEXT)
        assert.deepEqual(r.binary, [0, 1, 2, 255])
        assert.equal(r.big, 70_000)
        assert.deepEqual(r.close, { code: 4003, reason: 'bye ✓', wasClean: true })
        assert.deepEqual(await srv.closedWith('chromium'), { code: 4003, reason: 'bye ✓' })
        assert.equal((r.oversized as { code: number }).code, 1009)
        assert.match(String(r.deflate), /^permessage-deflate\b/)
        assert.equal(r.deflateEcho, true)
      } finally {
        await page.close()
      }
    })
  })
})

// The page the browser loads from the same app: it runs the session on load and leaves its findings in
// `window.result`.
const PAGE = `<!doctype html><meta charset="utf-8"><title>weir ws</title><script>
const base = 'ws://' + location.host
const open = (path) => new Promise((resolve, reject) => {
  const ws = new WebSocket(base + path)
  ws.binaryType = 'arraybuffer'
  ws.onopen = () => resolve(ws)
  ws.onerror = () => reject(new Error('could not open ' + path))
})
const next = (ws) => new Promise((resolve) => { ws.onmessage = (e) => resolve(e.data) })
const closed = (ws) => new Promise((resolve) => { ws.onclose = (e) => resolve({ code: e.code, reason: e.reason, wasClean: e.wasClean }) })
async function run() {
  const r = {}
  const ws = await open('/echo?id=chromium')
  ws.send(${JSON.stringify(TEXT)})
  r.text = await next(ws)
  ws.send(new Uint8Array([0, 1, 2, 255]))
  r.binary = Array.from(new Uint8Array(await next(ws)))
  ws.send('x'.repeat(70000))
  r.big = (await next(ws)).length
  const c = closed(ws)
  ws.close(4003, 'bye ✓')
  r.close = await c
  const small = await open('/small')
  const sc = closed(small)
  small.send('y'.repeat(${SMALL + 1}))
  r.oversized = await sc
  const d = await open('/deflate')
  r.deflate = d.extensions
  d.send('z'.repeat(5000))
  r.deflateEcho = (await next(d)) === 'z'.repeat(5000)
  d.close()
  return r
}
run().then((r) => { window.result = r }, (e) => { window.result = { error: String(e) } })
</script>`

/** The part of websocket-driver's client these tests use (the package ships no types). */
interface Driver {
  io: Duplex
  messages: Readable
  start(): boolean
  text(message: string): boolean
  binary(message: Buffer): boolean
  close(reason?: string, code?: number): boolean
  on(event: 'open', listener: () => void): this
  on(event: 'close', listener: (e: { code: number; reason: string }) => void): this
  on(event: 'error', listener: (e: { message: string }) => void): this
}

const websocketDriver = createRequire(import.meta.url)('websocket-driver') as { client(url: string): Driver }

/** A websocket-driver client piped to a TCP connection, open. */
async function driverSession(path: string) {
  const driver = websocketDriver.client(`ws://127.0.0.1:${srv.port}${path}`)
  const socket = tcp({ port: srv.port, host: '127.0.0.1' })
  socket.pipe(driver.io).pipe(socket)
  const inbox: (string | Buffer)[] = []
  let wake: (() => void) | undefined
  driver.messages.on('data', (m: string | Buffer) => {
    inbox.push(m)
    wake?.()
  })
  const closed = bounded(new Promise<{ code: number; reason: string }>((resolve) => driver.on('close', (e) => resolve({ code: e.code, reason: e.reason }))), `${path} to close`)
  const ended = bounded(new Promise((resolve) => socket.once('close', resolve)), 'the server to end the TCP connection')
  socket.once('connect', () => driver.start())
  await bounded(new Promise<void>((resolve, reject) => driver.on('open', resolve).on('error', (e) => reject(new Error(e.message)))), `${path} to open`)
  const next = async (): Promise<string | Buffer> => {
    while (inbox.length === 0) await bounded(new Promise<void>((resolve) => (wake = resolve)), 'a message')
    return inbox.shift() as string | Buffer
  }
  return { driver, next, closed, ended }
}
