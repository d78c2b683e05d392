// The inspector page in a real browser: requests fired at a debug-mode app appear live in its table, a row
// opens with both bodies (the password redacted), an endless stream shows its bytes so far, the charts draw.
// INSPECTOR_SCREENSHOT=<file> also saves the screenshot there (how docs/inspector.png is made).
import assert from 'node:assert/strict'
import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { generatedLog } from '../../examples/demo/app.js'
import { type App, createApp, lines } from '../../src/index.js'
import { inspector } from '../../src/middleware/inspector/index.js'
import { requestId } from '../../src/middleware/request-id/index.js'
import { consoleLogger } from '../../src/utils/console-logger.js'
import { launchBrowser } from '../support/browser.js'

const slow = { timeout: 120_000 }
let app: App
let origin = ''
let browser: Browser
let page: Page
let dir = ''

function buildApp(): App {
  const a = createApp({ mode: 'debug', logger: consoleLogger('silent') })
  a.use(inspector(), requestId())
  a.post('/login', async (c) => {
    const { name } = (await c.req.json()) as { name: string }
    c.log.info({ name }, 'logging in')
    return { user: name, session: 'new' }
  })
  a.get('/hello', () => ({ hello: 'world' }))
  a.get('/users/:id', (c) => ({ id: c.params.id }))
  a.get('/boom', () => {
    throw new Error('the database is on fire')
  })
  a.get('/logs', (c) => c.header('content-type', 'text/plain; charset=utf-8').body(lines(generatedLog(60))))
  // Endless until the client leaves.
  a.get('/tail', (c) =>
    c.sse(async (s) => {
      for (let i = 0; !s.closed; i++) {
        await s.send({ data: `tick ${i}` })
        await new Promise((r) => setTimeout(r, 50))
      }
    }),
  )
  return a
}

/** Waits for a row of the table whose path cell starts with `path` and whose status cell matches. */
async function row(path: string, status: string | RegExp): Promise<void> {
  await page.waitForFunction(
    ([p, s, isRe]) =>
      [...document.querySelectorAll('#requests tbody tr')].some((tr) => {
        const cells = [...tr.children].map((td) => td.textContent ?? '')
        return cells[2]!.startsWith(p as string) && (isRe ? new RegExp(s as string).test(cells[4]!) : cells[4] === s)
      }),
    [path, status instanceof RegExp ? status.source : status, status instanceof RegExp] as const,
    { timeout: 60_000 },
  )
}

async function openRow(path: string): Promise<void> {
  await page.locator('#requests tbody tr', { has: page.locator(`td.path[title^="${path}"]`) }).first().click()
  await page.waitForFunction((p) => document.getElementById('d-title')?.textContent?.includes(p), path, { timeout: 60_000 })
}

describe('the inspector page, in a browser', () => {
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'weir-inspector-'))
    app = buildApp()
    await app.listen({ host: '127.0.0.1', port: 0 })
    origin = `http://127.0.0.1:${app.port}`
    browser = await launchBrowser()
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } })
    await page.goto(`${origin}/_weir`)
    await page.waitForFunction(() => document.getElementById('conn')?.textContent === 'live', null, { timeout: 60_000 })
  }, slow)

  after(async () => {
    await browser?.close()
    await app?.close()
    if (dir !== '') rmSync(dir, { recursive: true, force: true })
  })

  it('shows requests live as they happen: a JSON POST, an error, a stream, a 404', slow, async () => {
    const login = await fetch(`${origin}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'ada', password: 'hunter2' }),
    })
    assert.equal(login.status, 200)
    await row('/login', '200')
    assert.equal((await fetch(`${origin}/boom`)).status, 500)
    await row('/boom', '500')
    const logs = await fetch(`${origin}/logs`)
    assert.equal((await logs.text()).split('\n').length, 61)
    await row('/logs', '200')
    assert.equal((await fetch(`${origin}/nope`)).status, 404)
    await row('/nope', '404')
    for (const p of ['/hello', '/users/1', '/users/2', '/hello']) await (await fetch(`${origin}${p}`)).arrayBuffer()
    await row('/users/2', '200')
  })

  it('opens a request: both bodies, pretty JSON, the password redacted, its log line, a curl command', slow, async () => {
    await openRow('/login')
    const reqBody = await page.locator('#d-req-body').textContent()
    assert.match(reqBody ?? '', /"name": "ada"/)
    assert.match(reqBody ?? '', /"password": "\[Redacted\]"/)
    assert.doesNotMatch(reqBody ?? '', /hunter2/)
    const resBody = await page.locator('#d-res-body').textContent()
    assert.match(resBody ?? '', /"user": "ada",\n {2}"session": "new"/)
    assert.match((await page.locator('#d-logs').textContent()) ?? '', /INFO logging in/)
    await page.locator('#d-curl').click()
    const curl = (await page.locator('#d-curl-text').textContent()) ?? ''
    assert.match(curl, /^curl -X POST 'http:\/\/127\.0\.0\.1:\d+\/login'/)
    assert.match(curl, /-H 'content-type: application\/json'/)
    assert.match(curl, /--data-raw '\{"name":"ada","password":"\[Redacted\]"\}'/)
  })

  it('opens a failed request with its error and stack', slow, async () => {
    await openRow('/boom')
    const err = (await page.locator('#d-error pre').textContent()) ?? ''
    assert.match(err, /the database is on fire/)
    assert.match(err, /browser\.test\.ts/)
  })

  it('shows an endless stream with its bytes so far, then its total once the client left', slow, async () => {
    const ctl = new AbortController()
    const res = await fetch(`${origin}/tail`, { signal: ctl.signal })
    const reader = res.body!.getReader()
    await reader.read()
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll('#requests tbody tr')].some((tr) => {
          const cells = [...tr.children].map((td) => td.textContent ?? '')
          return cells[2] === '/tail' && cells[4] === 'streaming' && /[1-9]\d* B so far/.test(cells[7]!)
        }),
      null,
      { timeout: 60_000 },
    )
    ctl.abort()
    await reader.cancel().catch(() => {})
    await row('/tail', /^\d{3}$/)
    await openRow('/tail')
    assert.match((await page.locator('#d-summary').textContent()) ?? '', /client left/)
  })

  it('draws the charts: the status mix has 2xx and 5xx bars', slow, async () => {
    await page.waitForFunction(
      () => {
        const c = document.getElementById('chart-status') as HTMLCanvasElement
        const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data
        let green = 0
        let red = 0
        for (let i = 0; i < data.length; i += 4) {
          if (data[i] === 0x2f && data[i + 1] === 0x9e && data[i + 2] === 0x44) green++
          if (data[i] === 0xe0 && data[i + 1] === 0x31 && data[i + 2] === 0x31) red++
        }
        return green > 0 && red > 0
      },
      null,
      { timeout: 60_000, polling: 250 },
    )
    const file = join(dir, 'inspector.png')
    await page.locator('#requests tbody tr', { has: page.locator('td.path[title^="/login"]') }).first().click()
    await page.waitForFunction(() => document.getElementById('d-title')?.textContent?.includes('/login'), null, { timeout: 60_000 })
    await page.screenshot({ path: file })
    assert.ok(statSync(file).size > 10_000)
    if (process.env.INSPECTOR_SCREENSHOT) copyFileSync(file, process.env.INSPECTOR_SCREENSHOT)
  })
})
