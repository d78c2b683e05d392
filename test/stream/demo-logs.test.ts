// The demo's /logs route (seed 1): an endless generated log, filtered line-wise, streamed; stops with the client.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { buildDemo } from '../../examples/demo/app.js'
import { GET, open, until } from './helpers.js'

describe('demo: GET /logs?match=…', () => {
  it('streams only the matching lines, whole, as they are generated, and stops when the client leaves', async () => {
    const app = buildDemo()
    await app.listen({ port: 0, host: '127.0.0.1' })
    try {
      const { socket, out } = await open(app.port!, GET('/logs?match=ERROR'))
      await until(() => (out.text.match(/ ERROR /g) ?? []).length >= 30)
      assert.match(out.text, /^HTTP\/1\.1 200 [\s\S]*content-type: text\/plain; charset=utf-8/i)
      const body = out.text.slice(out.text.indexOf('\r\n\r\n') + 4)
      const logLines = body.split('\n').filter((l) => /^\d{4}-\d\d-\d\dT/.test(l))
      assert.ok(logLines.length >= 30)
      for (const l of logLines) assert.match(l, /^\S+ ERROR req=\d+ GET \/\S* 500 \d+ms$/)
      socket.destroy()
      // The stream ends on the server side too: close() does not wait for its (here endless) timeout.
      let timer: NodeJS.Timeout | undefined
      const stuck = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('close() waited: the stream kept running after the client left')), 20_000)
      })
      await Promise.race([app.close({ timeout: 600_000 }), stuck]).finally(() => clearTimeout(timer))
    } finally {
      await app.close({ timeout: 100 })
    }
  })
})
