// What every TechEmpower server here shares, so only the framework differs: the database access (`pg`, one
// Pool of the same size, statements prepared by name), the query-count rule, the fortunes template and the
// environment contract: PORT or the first argument (0 = any free port), DATABASE_URL (or the PG* variables), PG_POOL_SIZE.
// A server prints `ready <port>` once it listens.
import pg from 'pg'

/** Connections in every server's Pool. */
export const POOL_SIZE = Number(process.env.PG_POOL_SIZE ?? 16)

export const HELLO = 'Hello, World!'
export const EXTRA_FORTUNE = 'Additional fortune added at request time.'

/** The port to listen on: the first argument, else PORT, else 8080 (0 picks a free one). */
export function port() {
  const value = process.argv[2] ?? process.env.PORT ?? '8080'
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new TypeError(`PORT must be a port number (got ${value})`)
  return n
}

/** Tells whoever started the server that it listens, and where. */
export function ready(boundPort) {
  console.log(`ready ${boundPort}`)
}

/**
 * The `queries` (or `count`) parameter: an integer clamped to 1..500; missing, empty, zero or not a number is 1.
 */
export function queryCount(value) {
  const n = Number.parseInt(value, 10)
  if (!(n >= 1)) return 1
  return n > 500 ? 500 : n
}

const randomInt = () => 1 + Math.floor(Math.random() * 10_000)

const WORLD = 'SELECT id, randomNumber AS "randomNumber" FROM World WHERE id = $1'
const FORTUNES = 'SELECT id, message FROM Fortune'

// UPDATE ... FROM (VALUES ...) for n rows: one statement per n, prepared once per connection.
const updateSql = (n) => {
  const rows = []
  for (let i = 0; i < n; i++) rows.push(`($${2 * i + 1}::int, $${2 * i + 2}::int)`)
  return `UPDATE World SET randomNumber = v.r FROM (VALUES ${rows.join(', ')}) AS v (id, r) WHERE World.id = v.id`
}
const updates = new Map()
function updateStatement(n) {
  let s = updates.get(n)
  if (s === undefined) {
    s = { name: `update-${n}`, text: updateSql(n) }
    updates.set(n, s)
  }
  return s
}

/** Opens the Pool and returns the operations the test types need. */
export function openDatabase() {
  const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: POOL_SIZE })

  async function world() {
    const r = await pool.query({ name: 'world', text: WORLD, values: [randomInt()] })
    return r.rows[0]
  }

  /** `n` random rows, each read by its own query (concurrently, on the Pool's connections). */
  function worlds(n) {
    const pending = new Array(n)
    for (let i = 0; i < n; i++) pending[i] = world()
    return Promise.all(pending)
  }

  /**
   * `n` random rows, each given a new randomNumber, written back in one statement. A row drawn twice keeps
   * the value written last, in the answer too; rows are written in id order, so concurrent requests lock
   * them in the same order and cannot deadlock.
   */
  async function update(n) {
    const rows = await worlds(n)
    const latest = new Map()
    for (const row of rows) {
      row.randomNumber = randomInt()
      latest.set(row.id, row)
    }
    const ids = [...latest.keys()].sort((a, b) => a - b)
    const values = new Array(ids.length * 2)
    for (let i = 0; i < ids.length; i++) {
      values[2 * i] = ids[i]
      values[2 * i + 1] = latest.get(ids[i]).randomNumber
    }
    await pool.query({ ...updateStatement(ids.length), values })
    for (let i = 0; i < rows.length; i++) rows[i] = latest.get(rows[i].id)
    return rows
  }

  /** The Fortune rows, plus the one added at request time, sorted by message. */
  async function fortunes() {
    const r = await pool.query({ name: 'fortunes', text: FORTUNES })
    const rows = r.rows
    rows.push({ id: 0, message: EXTRA_FORTUNE })
    rows.sort((a, b) => (a.message < b.message ? -1 : a.message > b.message ? 1 : 0))
    return rows
  }

  /** Loads the whole World table into memory; `cached(n)` then draws `n` random rows from it. */
  async function openCache() {
    const r = await pool.query('SELECT id, randomNumber AS "randomNumber" FROM World')
    const byId = new Array(10_001)
    for (const row of r.rows) byId[row.id] = row
    return (n) => {
      const out = new Array(n)
      for (let i = 0; i < n; i++) out[i] = byId[randomInt()]
      return out
    }
  }

  return { pool, world, worlds, update, fortunes, openCache }
}

/** The fortunes page; `escapeText` is the framework's HTML escaping (or the one below). */
export function fortunesPage(rows, escapeText) {
  let body = ''
  for (const f of rows) body += `<tr><td>${f.id}</td><td>${escapeText(f.message)}</td></tr>`
  return `<!DOCTYPE html><html><head><title>Fortunes</title></head><body><table><tr><th>id</th><th>message</th></tr>${body}</table></body></html>`
}

const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

/** HTML escaping for the frameworks that have none of their own. */
export function escapeHtml(s) {
  return s.replace(/[&<>"']/g, (ch) => ESCAPES[ch])
}
