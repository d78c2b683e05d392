import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Validator } from '@seriousme/openapi-schema-validator'
import { createApp } from '../../src/index.js'
import { consoleLogger } from '../../src/utils/console-logger.js'
import { memoryStore } from '../../src/store/index.js'
import { buildDemo } from './app.js'
import { mountControllers } from './controllers.js'

const json = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })

describe('demo: notes controller and API docs', () => {
  it('serves the notes controller from the demo app', async () => {
    const app = buildDemo({ store: memoryStore() })
    const created = await app.request('/notes', json({ text: 'hello' }))
    assert.equal(created.status, 201)
    assert.deepEqual(await created.json(), { id: 1, text: 'hello' })
    assert.deepEqual(await (await app.request('/notes/1')).json(), { id: 1, text: 'hello' })
    assert.equal((await app.request('/notes/2')).status, 404)
    const bad = await app.request('/notes', json({ text: '' }))
    assert.equal(bad.status, 400)
    assert.equal(((await bad.json()) as { code: string }).code, 'ERR_VALIDATION')
  })

  it('serves a valid OpenAPI document and the docs page in debug mode only', async () => {
    const debug = createApp({ mode: 'debug', logger: consoleLogger('silent') })
    mountControllers(debug)
    const doc = (await (await debug.request('/openapi.json')).json()) as { paths: Record<string, unknown> }
    assert.deepEqual(Object.keys(doc.paths), ['/notes', '/notes/{id}'])
    const res = await new Validator().validate(doc as never)
    assert.equal(res.valid, true, JSON.stringify(res.errors))
    const page = await debug.request('/docs')
    assert.match(await page.text(), /swagger-ui-bundle\.js/)
    const release = createApp({ mode: 'release', logger: consoleLogger('silent') })
    mountControllers(release)
    assert.equal((await release.request('/docs')).status, 404)
    assert.equal((await release.request('/notes')).status, 200)
  })
})
