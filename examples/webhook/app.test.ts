import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { gzipSync } from 'node:zlib'
import { buildWebhook, sign } from './app.js'

const SECRET = 'test-secret'
const event = { id: 'evt_42', action: 'opened', issue: { number: 7, title: 'Bodies, twice' } }

function deliver(body: string | Uint8Array, headers: Record<string, string>): RequestInit {
  return { method: 'POST', body: body as BodyInit, headers: { 'content-type': 'application/json', accept: 'application/json', ...headers } }
}

describe('webhook example', () => {
  it('accepts a correctly signed event: HMAC over the raw body, JSON parsed in the handler', async () => {
    const app = buildWebhook(SECRET)
    const body = JSON.stringify(event)
    const res = await app.request('/webhook', deliver(body, { 'x-signature-256': sign(SECRET, body) }))
    assert.equal(res.status, 202)
    assert.deepEqual(await res.json(), { received: 'evt_42', issue: 7 })
    assert.deepEqual(app.events, [event])
  })

  it('refuses a tampered body, a wrong secret and a missing signature with 401 before parsing', async () => {
    const app = buildWebhook(SECRET)
    const body = JSON.stringify(event)
    const tampered = body.replace('7', '8')
    for (const [payload, signature] of [
      [tampered, sign(SECRET, body)],
      [body, sign('other', body)],
      [body, ''],
      [body, 'sha256=short'],
    ] as const) {
      const res = await app.request('/webhook', deliver(payload, { 'x-signature-256': signature }))
      assert.equal(res.status, 401)
      assert.equal((await res.json()).code, 'ERR_WEBHOOK_SIGNATURE')
    }
    assert.deepEqual(app.events, [])
  })

  it('signed but invalid JSON is a 400 with the position; signed but the wrong shape is a validation 400', async () => {
    const app = buildWebhook(SECRET)
    const bad = '{"id": "evt_1", }'
    const res = await app.request('/webhook', deliver(bad, { 'x-signature-256': sign(SECRET, bad) }))
    assert.equal(res.status, 400)
    assert.equal((await res.json()).code, 'ERR_BODY_INVALID_JSON')
    const wrong = JSON.stringify({ ...event, action: 'deleted' })
    const invalid = await app.request('/webhook', deliver(wrong, { 'x-signature-256': sign(SECRET, wrong) }))
    assert.deepEqual((await invalid.json()).details.map((i: { path: unknown[] }) => i.path), [['action']])
  })

  it('verifies the decoded body of a gzip delivery, over a real socket', async () => {
    const app = buildWebhook(SECRET)
    after(() => app.close({ timeout: 100 }))
    await app.listen({ port: 0 })
    const body = JSON.stringify(event)
    const res = await fetch(`http://127.0.0.1:${app.port}/webhook`, deliver(gzipSync(body), { 'content-encoding': 'gzip', 'x-signature-256': sign(SECRET, body) }))
    assert.equal(res.status, 202)
    const big = JSON.stringify({ ...event, pad: 'x'.repeat(300 * 1024) })
    const tooBig = await fetch(`http://127.0.0.1:${app.port}/webhook`, deliver(big, { 'x-signature-256': sign(SECRET, big) }))
    assert.equal(tooBig.status, 413)
  })
})
