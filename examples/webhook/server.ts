/** Starts the webhook example on 127.0.0.1:3000 (`PORT`, `WEBHOOK_SECRET` change port and secret). */
import { buildWebhook, sign } from './app.js'

const secret = process.env.WEBHOOK_SECRET ?? 'dev-secret'
const app = buildWebhook(secret)
await app.listen({ host: '127.0.0.1' }) // PORT from the environment, else 3000
const body = JSON.stringify({ id: 'evt_1', action: 'opened', issue: { number: 3, title: 'Read the body twice' } })
console.log(`webhook example on http://127.0.0.1:${app.port}/webhook; try:
curl -i localhost:${app.port}/webhook -H 'content-type: application/json' -H 'x-signature-256: ${sign(secret, body)}' -d '${body}'`)
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => app.close().then(() => process.exit(0)))
