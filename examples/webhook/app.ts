/**
 * A webhook receiver: the signature middleware reads the raw body to check its HMAC, then the handler
 * reads the same body as JSON — one read from the socket, no re-buffering, no `rawBody` option.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { z } from 'zod'
import { type App, HttpError, type Middleware, createApp } from '../../src/index.js'
import { bodyLimit } from '../../src/middleware/body-parser/index.js'
import { validate } from '../../src/middleware/validate/index.js'

/** GitHub-style `X-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`. */
export function sign(secret: string, body: string | Uint8Array): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`
}

/** Checks the HMAC of the raw body; 401 `ERR_WEBHOOK_SIGNATURE` when it is missing or wrong. */
export function verifySignature(secret: string): Middleware {
  if (!secret) throw new TypeError('verifySignature: a secret is required')
  return async function verifySignature(c, next) {
    const given = Buffer.from(c.req.header('x-signature-256') ?? '')
    const expected = Buffer.from(sign(secret, await c.req.bytes()))
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new HttpError(401, 'The webhook signature does not match the body', { code: 'ERR_WEBHOOK_SIGNATURE' })
    }
    await next()
  }
}

const event = validate({
  body: z.object({
    id: z.string(),
    action: z.enum(['opened', 'closed', 'reopened']),
    issue: z.object({ number: z.number().int(), title: z.string() }),
  }),
})

/** Builds the webhook app (also used by its tests); received events are kept in `events`. */
export function buildWebhook(secret: string): App & { events: unknown[] } {
  const app = createApp()
  const events: unknown[] = []
  app.post('/webhook', bodyLimit(256 * 1024), verifySignature(secret), event, async (c) => {
    // The body was read once, by the signature check; this is the same bytes, parsed (and cached).
    const raw = await c.req.json<{ id: string }>()
    const { body } = c.valid(event)
    events.push(body)
    c.status(202)
    return { received: raw.id, issue: body.issue.number }
  })
  return Object.assign(app, { events })
}
