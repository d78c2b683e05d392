/** Starts the demo app on 127.0.0.1:3000 (`PORT` changes the port) and closes gracefully on SIGINT/SIGTERM. */
import { buildDemo } from './app.js'

const app = buildDemo()
const port = Number(process.env.PORT) || 3000
await app.listen({ port, host: '127.0.0.1' })
console.log(`weir demo listening on http://127.0.0.1:${app.port} (mode: ${app.mode})`)
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.log(`${signal}: closing gracefully`)
    app.close({ timeout: 10_000 }).then(() => process.exit(0))
  })
}
