// The inspector page: a live table of requests (SSE), a detail pane, and canvas charts. No build, no
// dependencies. Everything from the server is put in the page with textContent: paths and bodies are
// whatever clients sent.

const base = document.body.dataset.base
const $ = (id) => document.getElementById(id)
const rows = new Map() // id → summary
const MAX_ROWS = 1000
const history = [] // stats ticks, oldest first
const HISTORY = 60
const routes = new Set()
let selected
let paused = false
let clearedBefore = 0
let drawQueued = false

const filters = { status: '', route: '', q: '' }

function api(path) {
  return fetch(`${base}${path}`, { headers: { accept: 'application/json' } }).then((r) => {
    if (!r.ok) throw new Error(`${r.status} ${path}`)
    return r.json()
  })
}

function human(n) {
  if (n === undefined || n === null) return ''
  if (n < 1024) return `${n} B`
  if (n < 1 << 20) return `${(n / 1024).toFixed(1)} KB`
  return `${(n / (1 << 20)).toFixed(1)} MB`
}

function ms(n) {
  return n === undefined || n === null ? '' : `${n < 10 ? n.toFixed(2) : n.toFixed(0)} ms`
}

function el(tag, text, cls) {
  const e = document.createElement(tag)
  if (text !== undefined) e.textContent = text
  if (cls) e.className = cls
  return e
}

function visible(s) {
  if (s.id <= clearedBefore) return false
  if (filters.status !== '' && String(Math.floor((s.status ?? 0) / 100)) !== filters.status) return false
  if (filters.route !== '' && s.route !== filters.route) return false
  return true
}

function merge(list) {
  for (const s of list) {
    rows.set(s.id, s)
    if (s.route && !routes.has(s.route)) {
      routes.add(s.route)
      $('f-route').append(el('option', s.route))
      $('f-route').lastChild.value = s.route
    }
  }
  if (rows.size > MAX_ROWS) {
    const ids = [...rows.keys()].sort((a, b) => a - b)
    for (const id of ids.slice(0, rows.size - MAX_ROWS)) rows.delete(id)
  }
}

function queueDraw() {
  if (drawQueued) return
  drawQueued = true
  requestAnimationFrame(() => {
    drawQueued = false
    drawTable()
  })
}

function drawTable() {
  const body = document.querySelector('#requests tbody')
  const list = [...rows.values()].filter(visible).sort((a, b) => b.id - a.id)
  const frag = document.createDocumentFragment()
  for (const s of list) frag.append(row(s))
  body.replaceChildren(frag)
  $('empty').hidden = list.length > 0
  $('counts').textContent = `${list.length} shown · ${rows.size} received`
}

function row(s) {
  const tr = document.createElement('tr')
  tr.dataset.id = String(s.id)
  if (s.id === selected) tr.className = 'selected'
  const done = s.status !== undefined && s.status !== null
  const st = done ? el('td', String(s.status), `num st${Math.floor(s.status / 100)}`) : el('td', s.websocket ? 'websocket' : s.streamed ? 'streaming' : '…', 'pending')
  const size = s.websocket ? '' : done ? human(s.resSize) : `${human(s.resSize)} so far`
  const path = el('td', s.url, 'path')
  path.title = s.url
  tr.append(
    el('td', new Date(s.time).toLocaleTimeString()),
    el('td', s.method),
    path,
    el('td', s.route ?? '', 'muted'),
    st,
    el('td', done ? ms(s.latency) : '', 'num'),
    el('td', human(s.reqSize), 'num'),
    el('td', size, 'num'),
    el('td', s.requestId ?? '', 'muted'),
  )
  return tr
}

async function reload() {
  const qs = new URLSearchParams(filters).toString()
  const data = await api(`/api/requests?${qs}`)
  if (filters.q !== '') rows.clear()
  merge(data.requests)
  drawTable()
}

let reloadTimer
function reloadSoon() {
  clearTimeout(reloadTimer)
  reloadTimer = setTimeout(() => reload().catch(() => {}), 400)
}

// Detail pane.

async function open(id) {
  selected = id
  for (const tr of document.querySelectorAll('#requests tbody tr')) tr.classList.toggle('selected', tr.dataset.id === String(id))
  let d
  try {
    d = await api(`/api/requests/${id}`)
  } catch {
    $('d-title').textContent = `request ${id} is no longer in the buffer`
    return
  }
  if (selected !== id) return
  showDetail(d)
}

function showDetail(d) {
  $('detail').hidden = false
  $('d-title').textContent = `${d.method} ${d.url}`
  const status = d.status ?? (d.websocket ? 'WebSocket open' : d.streamed ? 'streaming' : 'in flight')
  $('d-summary').textContent = [`status ${status}`, d.route ? `route ${d.route}` : 'no route', d.requestId ? `id ${d.requestId}` : '', d.aborted ? 'client left' : '']
    .filter(Boolean)
    .join(' · ')
  headers($('d-req-headers'), d.requestHeaders)
  headers($('d-res-headers'), d.responseHeaders)
  body($('d-req-body'), d.requestBody)
  body($('d-res-body'), d.responseBody)
  const done = d.status !== undefined && d.status !== null
  $('d-timings').textContent = done
    ? `total ${ms(d.timings.total)} · request ${human(d.reqSize)} · response ${human(d.resSize)} (per-middleware timings are not recorded)`
    : `in flight · ${human(d.resSize)} sent so far`
  const err = $('d-error')
  err.hidden = !d.error
  if (d.error) err.querySelector('pre').textContent = [`${d.error.code ?? ''} ${d.error.status ?? ''} ${d.error.message}`.trim(), d.error.stack ?? ''].join('\n')
  const logs = $('d-logs')
  logs.replaceChildren()
  for (const l of d.logs) logs.append(el('li', `${new Date(l.time).toISOString().slice(11, 23)} ${l.level.toUpperCase()} ${l.msg ?? ''} ${l.fields ?? ''}`, l.level))
  if (d.logs.length === 0) logs.append(el('li', 'none written through c.log', 'muted'))
  $('d-curl-text').textContent = curl(d)
}

function headers(table, pairs) {
  table.replaceChildren()
  for (const [k, v] of pairs) {
    const tr = document.createElement('tr')
    tr.append(el('td', k), el('td', v))
    table.append(tr)
  }
}

function body(pre, b) {
  if (b.kind === 'none') pre.textContent = '(empty)'
  else if (b.kind === 'binary') pre.textContent = `binary ${b.size} bytes`
  else {
    let text = b.text
    if (b.kind === 'json') {
      try {
        text = JSON.stringify(JSON.parse(text), null, 2)
      } catch {
        // Cut at the size limit: shown as is.
      }
    }
    pre.textContent = b.truncated ? `${text}\n… (${b.size} bytes in all)` : text
  }
}

const SKIP = new Set(['host', 'content-length', 'connection', 'accept-encoding'])
const quote = (s) => `'${String(s).replace(/'/g, "'\\''")}'`

function curl(d) {
  const parts = ['curl']
  if (d.method !== 'GET') parts.push('-X', d.method)
  parts.push(quote(`${location.origin}${d.url}`))
  for (const [k, v] of d.requestHeaders) {
    if (SKIP.has(k.toLowerCase()) || v === '[Redacted]') continue
    parts.push('-H', quote(`${k}: ${v}`))
  }
  if (d.requestBody.kind === 'json' || d.requestBody.kind === 'text') parts.push('--data-raw', quote(d.requestBody.text))
  return parts.join(' ')
}

$('d-curl').addEventListener('click', () => {
  const text = $('d-curl-text').textContent
  $('d-curl-text').hidden = false
  navigator.clipboard?.writeText(text).then(
    () => {
      $('d-curl').textContent = 'Copied'
      setTimeout(() => {
        $('d-curl').textContent = 'Copy as curl'
      }, 1500)
    },
    () => {},
  )
})
$('d-close').addEventListener('click', () => {
  selected = undefined
  $('detail').hidden = true
  queueDraw()
})
document.querySelector('#requests tbody').addEventListener('click', (ev) => {
  const tr = ev.target.closest('tr')
  if (tr) open(Number(tr.dataset.id))
})

// Filters.

$('f-status').addEventListener('change', (ev) => {
  filters.status = ev.target.value
  drawTable()
})
$('f-route').addEventListener('change', (ev) => {
  filters.route = ev.target.value
  drawTable()
})
$('f-q').addEventListener('input', (ev) => {
  filters.q = ev.target.value.trim()
  if (filters.q === '') rows.clear()
  reloadSoon()
})
$('f-pause').addEventListener('click', () => {
  paused = !paused
  $('f-pause').textContent = paused ? 'Resume' : 'Pause'
  if (!paused) reload().catch(() => {})
})
$('f-clear').addEventListener('click', () => {
  clearedBefore = Math.max(0, ...rows.keys())
  drawTable()
})
$('filters').addEventListener('submit', (ev) => ev.preventDefault())

// Charts: plain canvas.

function canvas(id) {
  const c = $(id)
  const ratio = window.devicePixelRatio || 1
  const w = c.clientWidth || c.width
  const h = c.clientHeight || c.height
  if (c.width !== w * ratio) {
    c.width = w * ratio
    c.height = h * ratio
  }
  const g = c.getContext('2d')
  g.setTransform(ratio, 0, 0, ratio, 0, 0)
  g.clearRect(0, 0, w, h)
  g.font = '10px system-ui, sans-serif'
  return { g, w, h }
}

function axis(g, w, h, max, unit) {
  g.strokeStyle = '#deded8'
  g.beginPath()
  g.moveTo(30, h - 14)
  g.lineTo(w, h - 14)
  g.stroke()
  g.fillStyle = '#6b6b66'
  g.fillText(`${round(max)}${unit}`, 0, 10)
  g.fillText('0', 0, h - 14)
  g.fillText(`last ${HISTORY} s`, w - 52, h - 2)
}

const round = (n) => (n >= 100 ? Math.round(n) : Math.round(n * 10) / 10)

function lineChart(id, values, color, unit = '') {
  const { g, w, h } = canvas(id)
  const max = Math.max(1, ...values)
  axis(g, w, h, max, unit)
  const step = (w - 32) / (HISTORY - 1)
  const x0 = w - (values.length - 1) * step
  g.strokeStyle = color
  g.lineWidth = 2
  g.beginPath()
  values.forEach((v, i) => {
    const x = x0 + i * step
    const y = h - 14 - (v / max) * (h - 26)
    if (i === 0) g.moveTo(x, y)
    else g.lineTo(x, y)
  })
  g.stroke()
  g.lineWidth = 1
}

const STATUS_COLORS = ['#adb5bd', '#2f9e44', '#1c7ed6', '#f08c00', '#e03131']

function statusChart() {
  const { g, w, h } = canvas('chart-status')
  const totals = history.map((t) => t.status.reduce((a, b) => a + b, 0))
  const max = Math.max(1, ...totals)
  axis(g, w, h, max, '/s')
  const step = (w - 32) / HISTORY
  history.forEach((t, i) => {
    let y = h - 14
    const x = w - (history.length - i) * step
    t.status.forEach((n, cls) => {
      const bh = (n / max) * (h - 26)
      g.fillStyle = STATUS_COLORS[cls]
      g.fillRect(x, y - bh, Math.max(1, step - 1), bh)
      y -= bh
    })
  })
}

function latencyChart(last) {
  const { g, w, h } = canvas('chart-latency')
  const list = (last?.routes ?? []).filter((r) => r.n > 0).sort((a, b) => b.p99 - a.p99)
  const shown = list.slice(0, Math.max(1, Math.floor((h - 4) / 13)))
  const max = Math.max(1, ...shown.map((r) => r.p99))
  const left = 130
  g.fillStyle = '#6b6b66'
  if (shown.length === 0) g.fillText('no finished requests yet', 4, 14)
  shown.forEach((r, i) => {
    const y = 2 + i * 13
    g.fillStyle = '#1d1d1b'
    g.fillText(r.route.length > 22 ? `${r.route.slice(0, 21)}…` : r.route, 0, y + 9)
    const scale = (v) => (v / max) * (w - left - 80)
    for (const [v, color] of [
      [r.p99, '#0b3d91'],
      [r.p95, '#1c7ed6'],
      [r.p50, '#74c0fc'],
    ]) {
      g.fillStyle = color
      g.fillRect(left, y, Math.max(1, scale(v)), 10)
    }
    g.fillStyle = '#6b6b66'
    g.fillText(`${round(r.p50)}/${round(r.p95)}/${round(r.p99)}`, left + scale(r.p99) + 4, y + 9)
  })
}

function drawCharts() {
  lineChart(
    'chart-rps',
    history.map((t) => t.count),
    '#1c7ed6',
    '/s',
  )
  lineChart(
    'chart-inflight',
    history.map((t) => t.inFlight),
    '#7048e8',
  )
  statusChart()
  latencyChart(history[history.length - 1])
}

// The live feed.

function connect() {
  const es = new EventSource(`${base}/api/events`)
  es.addEventListener('open', () => {
    $('conn').textContent = 'live'
    $('conn').className = 'conn on'
    reload().catch(() => {})
  })
  es.addEventListener('error', () => {
    $('conn').textContent = 'disconnected — retrying'
    $('conn').className = 'conn off'
  })
  es.addEventListener('requests', (ev) => {
    if (paused) return
    const list = JSON.parse(ev.data)
    if (filters.q !== '') reloadSoon()
    else merge(list)
    queueDraw()
    if (selected !== undefined && list.some((s) => s.id === selected)) open(selected)
  })
  es.addEventListener('stats', (ev) => {
    history.push(JSON.parse(ev.data))
    if (history.length > HISTORY) history.shift()
    drawCharts()
  })
  es.addEventListener('resync', () => reload().catch(() => {}))
}

drawCharts()
connect()
