// The demo's chat page in a real browser: two pages in one room see each other's messages; a logged-in
// user's name comes from the session; a message the schema refuses is answered, not broadcast.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { launchBrowser } from '../../test/support/browser.js'
import { memoryStore } from '../../src/store/index.js'
import { buildDemo } from './app.js'

const BOUND = 20_000 // a hang guard on a loaded machine, not a speed claim

describe('demo chat in Chromium', () => {
  const app = buildDemo({ store: memoryStore() })
  let browser: Browser
  let base = ''
  before(async () => {
    await app.listen({ port: 0, host: '127.0.0.1' })
    base = `http://127.0.0.1:${app.port}`
    browser = await launchBrowser()
  })
  after(async () => {
    await browser?.close()
    await app.close()
  })

  async function open(room: string): Promise<Page> {
    const page = await (await browser.newContext()).newPage()
    await page.goto(`${base}/chat?room=${room}`)
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'connected', undefined, { timeout: BOUND })
    return page
  }
  const lines = (page: Page) => page.$$eval('#log li', (lis) => lis.map((li) => li.textContent))
  async function say(page: Page, text: string): Promise<void> {
    await page.fill('#text', text)
    await page.click('#say button')
  }
  async function sees(page: Page, line: string): Promise<void> {
    await page.waitForFunction((l) => [...document.querySelectorAll('#log li')].some((li) => li.textContent === l), line, { timeout: BOUND })
  }

  it('delivers a message to every page in the room, not to other rooms', async () => {
    const ann = await open('lobby')
    const bob = await open('lobby')
    const eve = await open('other')
    await say(ann, 'hello bob')
    await sees(bob, 'guesthello bob')
    await sees(ann, 'guesthello bob')
    await say(eve, 'in other')
    await sees(eve, 'guestin other')
    assert.deepEqual(await lines(bob), ['serverjoined #lobby', 'guesthello bob'])
  })

  it('names a logged-in user from the session, and answers a refused message to its sender only', async () => {
    const ada = await (await browser.newContext()).newPage()
    await ada.goto(`${base}/chat?room=names`)
    const login = await ada.evaluate(async () => (await fetch('/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"ada"}' })).status)
    assert.equal(login, 200)
    await ada.reload()
    await ada.waitForFunction(() => document.getElementById('status')?.textContent === 'connected', undefined, { timeout: BOUND })
    const bob = await open('names')
    await say(ada, 'hi')
    await sees(bob, 'adahi')
    await say(ada, '   ') // trimmed to nothing: the schema refuses it
    await sees(ada, 'errorThe message did not pass validation')
    await say(ada, 'still here') // messages are in order: once bob sees this, he would have seen the refusal
    await sees(bob, 'adastill here')
    assert.deepEqual(await lines(bob), ['serverjoined #names', 'adahi', 'adastill here'])
  })
})
