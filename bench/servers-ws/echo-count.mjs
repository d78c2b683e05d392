// A fixed amount of echo load, for bench/instructions.mjs's ws group: `node echo-count.mjs <url> <connections>
// <round trips>` opens the connections, keeps one 32-byte text message in flight on each until that many
// round trips are done in all, and prints how many were.
import WebSocket from 'ws'

const [url, connections, total] = process.argv.slice(2)
let done = 0
let left = Number(total)
const sockets = await Promise.all(
  Array.from({ length: Number(connections) }, (_, i) => {
    const ws = new WebSocket(url)
    const payload = Buffer.from(`e:${i}:`.padEnd(32, '.'))
    ws.on('message', () => {
      if (++done === Number(total)) finish()
      else if (left-- > 0) ws.send(payload, { binary: false })
    })
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve({ ws, payload }))
      ws.once('error', reject)
    })
  }),
)
for (const { ws, payload } of sockets) if (left-- > 0) ws.send(payload, { binary: false })

function finish() {
  console.log(done)
  for (const { ws } of sockets) ws.terminate()
  process.exit(0)
}
