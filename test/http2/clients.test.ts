// Independent clients over HTTP/2: h2load (a short load run) and headless Chromium negotiating h2 by ALPN.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { after, describe, it } from 'node:test'
import type { App } from '../../src/index.js'
import { launchBrowser } from '../support/browser.js'
import { start } from './helpers.js'

function h2load(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('h2load', args, { timeout: 120_000 }, (err, stdout, stderr) => (err ? reject(new Error(`h2load: ${err.message} ${stderr}`)) : resolve(stdout)))
  })
}

function setup(app: App): void {
  app.get('/', (c) => c.html('<!doctype html><title>weir over h2</title><p id="p">hello</p>'))
  app.get('/hello', () => 'hello')
}

describe('independent HTTP/2 clients', () => {
  it('h2load: every request of a short run succeeds, over h2 (TLS)', async () => {
    const app = await start(setup)
    const out = await h2load(['-n', '400', '-c', '4', '-m', '10', `${app.origin}/hello`])
    assert.match(out, /Application protocol: h2/)
    assert.match(out, /requests: 400 total, 400 started, 400 done, 400 succeeded, 0 failed, 0 errored/)
    assert.match(out, /status codes: 400 2xx/)
  })

  it('h2load: every request succeeds over h2c (prior knowledge)', async () => {
    const app = await start(setup, { http2: 'h2c' })
    const out = await h2load(['-n', '200', '-c', '2', '-m', '10', `${app.origin}/hello`])
    assert.match(out, /Application protocol: h2c/)
    assert.match(out, /requests: 200 total, 200 started, 200 done, 200 succeeded, 0 failed, 0 errored/)
  })

  it('Chromium loads a page over https with nextHopProtocol h2', async () => {
    const app = await start(setup)
    const browser = await launchBrowser(['--ignore-certificate-errors'])
    after(() => browser.close())
    const page = await browser.newPage()
    const res = await page.goto(`${app.origin}/`)
    assert.equal(res?.status(), 200)
    assert.equal(await page.textContent('#p'), 'hello')
    const protocol = await page.evaluate(() => (performance.getEntries()[0] as PerformanceNavigationTiming).nextHopProtocol)
    assert.equal(protocol, 'h2')
  })
})
