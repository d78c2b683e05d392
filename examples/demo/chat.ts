// The demo's chat: a page and a WebSocket route per room. Messages are JSON checked by a schema; rooms are
// relayed through Redis when REDIS_URL is set (every demo process then shares them), else kept in this one.
import { z } from 'zod'
import type { App } from '../../src/index.js'
import { type WsSocket, redisFanout, websocket } from '../../src/middleware/ws/index.js'

const Say = z.object({ text: z.string().trim().min(1).max(500) })

/** Adds `GET /chat` (the page) and `GET /chat/:room` (its WebSocket) to the demo. */
export function mountChat(app: App): void {
  const url = process.env.REDIS_URL
  const fanout = url ? redisFanout({ url, channel: `${process.env.STORE_PREFIX ?? 'weir-demo:'}chat:` }) : undefined
  const names = new WeakMap<WsSocket, string>()
  const chat = websocket(
    {
      // Messages that arrive while this runs wait for it, in order.
      async open(ws, c) {
        names.set(ws, (await c.get('session')?.get<string>('user')) ?? 'guest')
        ws.join(c.params.room!)
        await ws.send(JSON.stringify({ from: 'server', text: `joined #${c.params.room}` }))
      },
      message(ws, m, _binary, c) {
        chat.broadcast(c.params.room!, JSON.stringify({ from: names.get(ws), text: m.text }))
      },
    },
    { schema: Say, fanout },
  )
  app.get('/chat', (c) => c.html(PAGE))
  app.get('/chat/:room([a-z0-9-]{1,32})', chat)
}

const PAGE = `<!doctype html>
<html lang="en">
<meta charset="utf-8">
<title>weir chat</title>
<style>
  body { font: 15px system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; }
  #log { border: 1px solid #ccc; height: 20rem; overflow-y: auto; padding: .5rem; list-style: none; }
  #log li b { margin-right: .5rem; }
  form { display: flex; gap: .5rem; margin-top: .5rem; }
  #text { flex: 1; }
</style>
<h1>#<span id="room"></span> <small id="status">connecting…</small></h1>
<ul id="log"></ul>
<form id="say"><input id="text" autocomplete="off" maxlength="500" placeholder="Say something"><button>Send</button></form>
<script>
  const room = new URLSearchParams(location.search).get('room') || 'lobby'
  document.getElementById('room').textContent = room
  const log = document.getElementById('log')
  const status = document.getElementById('status')
  const ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/chat/' + encodeURIComponent(room))
  ws.onopen = () => (status.textContent = 'connected')
  ws.onclose = (e) => (status.textContent = 'closed (' + e.code + ')')
  ws.onmessage = (e) => {
    const m = JSON.parse(e.data)
    const li = document.createElement('li')
    const who = document.createElement('b')
    who.textContent = m.error ? 'error' : m.from
    li.append(who, m.error ? m.error.message : m.text)
    log.append(li)
    log.scrollTop = log.scrollHeight
  }
  document.getElementById('say').onsubmit = (e) => {
    e.preventDefault()
    const input = document.getElementById('text')
    ws.send(JSON.stringify({ text: input.value }))
    input.value = ''
  }
</script>
</html>
`
