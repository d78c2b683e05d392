import assert from 'node:assert/strict'
import { after, before, describe as suite, it } from 'node:test'
import type { Browser } from 'playwright-core'
import { z } from 'zod'
import { launchBrowser } from '../../../test/support/browser.js'
import { type App, createApp } from '../../index.js'
import { consoleLogger } from '../../utils/console-logger.js'
import { secureHeaders } from '../secure-headers/index.js'
import { validate } from '../validate/index.js'
import { describe, openapi } from './index.js'

suite('openapi: the Swagger UI page in a browser', () => {
  let browser: Browser
  let app: App
  before(async () => {
    browser = await launchBrowser()
    app = createApp({ mode: 'debug', logger: consoleLogger('silent') })
    // The default Content-Security-Policy: the page must work without inline scripts or a CDN.
    app.use(secureHeaders())
    app.get('/users/:id', describe({ summary: 'One user', tags: ['users'] }), validate({ query: z.object({ full: z.enum(['0', '1']).optional() }) }), (c) => ({ id: c.params.id }))
    openapi(app, { info: { title: 'Browser test', version: '1' } })
    await app.listen({ port: 0 })
  })
  after(async () => {
    await browser?.close()
    await app?.close()
  })

  it('renders the operations of the document, with assets from the app only', async () => {
    const page = await browser.newPage()
    const origins = new Set<string>()
    const errors: string[] = []
    page.on('request', (r) => origins.add(new URL(r.url()).origin))
    page.on('pageerror', (e) => errors.push(e.message))
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()))
    await page.goto(`http://127.0.0.1:${app.port}/docs`, { timeout: 60_000 })
    await page.getByText('One user').first().waitFor({ timeout: 60_000 })
    assert.match(await page.locator('.info .title').innerText({ timeout: 60_000 }), /Browser test/)
    assert.match(await page.locator('.opblock-summary-path').first().innerText(), /\/users\/\{id\}/)
    assert.deepEqual([...origins], [`http://127.0.0.1:${app.port}`])
    assert.deepEqual(errors, [])
    await page.close()
  })
})
