// Checks a running server against the TechEmpower rules (see bench/README.md, "TechEmpower test types"):
// status, Server / Date / Content-Type / Content-Length-or-Transfer-Encoding, Date moving on, the JSON
// shapes, query clamping, updates read back from the database, the exact fortunes page, cached queries.
//
//   node bench/tfb/verify.mjs <base url> [database url]    # exit 1 when a rule fails
//
// Rows answered by /db, /queries and /cached-queries must be the table's rows (read back after the answer):
// verify a freshly started server, since /cached-queries answers from the table as it was at start-up.
// The updates checks run last, as they change the table.
import { request } from 'node:http'
import { connect } from 'node:net'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { FORTUNES, WORLD_ROWS } from './setup.mjs'

const HELLO = 'Hello, World!'
const EXTRA_FORTUNE = { id: 0, message: 'Additional fortune added at request time.' }
// As TFB's verifier accepts them.
const TYPES = {
  json: /^application\/json(; ?charset=utf-8)?$/i,
  plaintext: /^text\/plain(; ?charset=utf-8)?$/i,
  html: /^text\/html; ?charset=utf-8$/i,
}
// RFC 9110 §5.6.7 IMF-fixdate.
const IMF_DATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/
const TIMEOUT_MS = 15_000
const DATE_WAIT_MS = 5_000

class RuleError extends Error {}
const fail = (message) => {
  throw new RuleError(message)
}

/** GET `path` on a fresh connection: status, lower-cased headers, raw body bytes and text. */
function get(base, path) {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, base), { agent: false, timeout: TIMEOUT_MS }, (res) => {
      const chunks = []
      res.on('data', (d) => chunks.push(d))
      res.on('error', reject)
      res.on('end', () => {
        const bytes = Buffer.concat(chunks)
        resolve({ status: res.statusCode, headers: res.headers, bytes, text: bytes.toString('utf8') })
      })
    })
    req.on('timeout', () => req.destroy(new Error(`no answer to GET ${path} within ${TIMEOUT_MS} ms`)))
    req.on('error', reject)
    req.end()
  })
}

/** The rules every answer follows: 200, Server, Date, Content-Type of `kind`, a length or a chunked body. */
function checkHead(res, path, kind) {
  if (res.status !== 200) fail(`GET ${path}: status ${res.status}, expected 200 (body ${clip(res.text)})`)
  const h = res.headers
  if (!h.server) fail(`GET ${path}: no Server header`)
  if (!h.date) fail(`GET ${path}: no Date header`)
  if (!IMF_DATE.test(h.date)) fail(`GET ${path}: Date "${h.date}" is not an IMF-fixdate`)
  if (!h['content-type']) fail(`GET ${path}: no Content-Type header`)
  if (!TYPES[kind].test(h['content-type'])) fail(`GET ${path}: Content-Type "${h['content-type']}" does not match ${TYPES[kind]}`)
  const length = h['content-length']
  const chunked = /\bchunked\b/i.test(h['transfer-encoding'] ?? '')
  if (length === undefined && !chunked) fail(`GET ${path}: neither Content-Length nor Transfer-Encoding: chunked`)
  if (length !== undefined && Number(length) !== res.bytes.length) {
    fail(`GET ${path}: Content-Length ${length} but ${res.bytes.length} body bytes`)
  }
}

function parseJson(res, path) {
  try {
    return JSON.parse(res.text)
  } catch {
    return fail(`GET ${path}: body is not JSON: ${clip(res.text)}`)
  }
}

function clip(s) {
  const one = String(s).replace(/\s+/g, ' ')
  return JSON.stringify(one.length > 120 ? `${one.slice(0, 120)}…` : one)
}

/** A World row as the rules want it: exactly `id` and `randomNumber`, integers in 1..10000. */
function checkWorld(row, where) {
  if (row === null || typeof row !== 'object' || Array.isArray(row)) fail(`${where}: ${JSON.stringify(row)} is not an object`)
  const keys = Object.keys(row).sort().join(',')
  if (keys !== 'id,randomNumber') fail(`${where}: keys ${keys}, expected exactly id and randomNumber`)
  for (const key of ['id', 'randomNumber']) {
    const v = row[key]
    if (!Number.isInteger(v) || v < 1 || v > WORLD_ROWS) fail(`${where}: ${key} ${JSON.stringify(v)} is not an integer in 1..${WORLD_ROWS}`)
  }
}

/** The table's current randomNumber of each id. */
async function readWorlds(db, ids) {
  const r = await db.query('SELECT id, randomNumber AS n FROM World WHERE id = ANY($1::int[])', [ids])
  return new Map(r.rows.map((row) => [row.id, row.n]))
}

/** Every row must be the table's row of its id. */
async function checkRowsInTable(ctx, rows, path) {
  const table = await readWorlds(ctx.db, [...new Set(rows.map((r) => r.id))])
  for (const row of rows) {
    const n = table.get(row.id)
    if (n !== row.randomNumber) fail(`GET ${path}: row ${row.id} has randomNumber ${row.randomNumber}, the table ${n}`)
  }
}

async function getRows(ctx, path, expected) {
  const res = await get(ctx.base, path)
  checkHead(res, path, 'json')
  const rows = parseJson(res, path)
  if (!Array.isArray(rows)) fail(`GET ${path}: body is not a JSON array: ${clip(res.text)}`)
  if (rows.length !== expected) fail(`GET ${path}: ${rows.length} rows, expected ${expected}`)
  for (let i = 0; i < rows.length; i++) checkWorld(rows[i], `GET ${path}: row ${i}`)
  return rows
}

// The query-count cases: what the parameter says → how many rows.
const COUNTS = [
  ['=2', 2],
  ['=0', 1],
  ['=foo', 1],
  ['=501', 500],
  ['=', 1],
  [null, 1],
  ['=20', 20],
]
const countPath = (path, name, suffix) => (suffix === null ? path : `${path}?${name}${suffix}`)
const countName = (path, name, suffix, n) => `${countPath(path, name, suffix)} answers ${n} row${n === 1 ? '' : 's'}`

async function checkJson(ctx) {
  const res = await get(ctx.base, '/json')
  checkHead(res, '/json', 'json')
  const body = parseJson(res, '/json')
  if (JSON.stringify(body) !== JSON.stringify({ message: HELLO })) fail(`GET /json: body ${clip(res.text)}`)
}

async function checkPlaintext(ctx) {
  const res = await get(ctx.base, '/plaintext')
  checkHead(res, '/plaintext', 'plaintext')
  if (res.text !== HELLO) fail(`GET /plaintext: body ${clip(res.text)}, expected ${JSON.stringify(HELLO)}`)
}

/** 16 requests written at once on one connection get 16 answers, in order. */
function checkPipelining(ctx, depth = 16) {
  const { hostname, port } = new URL(ctx.base)
  const one = `GET /plaintext HTTP/1.1\r\nHost: ${hostname}:${port}\r\n\r\n`
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) })
    let data = ''
    const done = (err) => {
      clearTimeout(timer)
      socket.destroy()
      if (err) reject(err)
      else resolve()
    }
    const timer = setTimeout(() => {
      const got = (data.match(/HTTP\/1\.1 \d{3} /g) ?? []).length
      done(new RuleError(`pipelining: ${got} of ${depth} answers within ${TIMEOUT_MS} ms`))
    }, TIMEOUT_MS)
    socket.setEncoding('utf8')
    socket.on('connect', () => socket.write(one.repeat(depth)))
    socket.on('error', done)
    socket.on('data', (d) => {
      data += d
      // A body does not end in a newline, so the next status line may start mid-line.
      const statuses = data.match(/HTTP\/1\.1 \d{3} /g) ?? []
      const bodies = data.split(HELLO).length - 1
      if (statuses.length < depth || bodies < depth) return
      const bad = statuses.find((s) => s !== 'HTTP/1.1 200 ')
      done(bad ? new RuleError(`pipelining: an answer was "${bad}"`) : null)
    })
    socket.on('end', () => done(new RuleError(`pipelining: the server closed the connection after ${clip(data)}`)))
  })
}

/** The Date header moves on: poll until it changes (a second boundary passes), within a bound. */
async function checkDateMoves(ctx) {
  const first = (await get(ctx.base, '/plaintext')).headers.date
  const deadline = Date.now() + DATE_WAIT_MS
  for (;;) {
    await new Promise((r) => setTimeout(r, 100))
    const now = (await get(ctx.base, '/plaintext')).headers.date
    if (now !== first) {
      if (!(Date.parse(now) > Date.parse(first))) fail(`Date went from "${first}" to "${now}"`)
      return
    }
    if (Date.now() > deadline) fail(`Date stayed "${first}" for more than ${DATE_WAIT_MS} ms`)
  }
}

async function checkDb(ctx) {
  const res = await get(ctx.base, '/db')
  checkHead(res, '/db', 'json')
  const row = parseJson(res, '/db')
  checkWorld(row, 'GET /db')
  await checkRowsInTable(ctx, [row], '/db')
}

async function checkQueries(ctx, suffix, n) {
  const path = countPath('/queries', 'queries', suffix)
  await checkRowsInTable(ctx, await getRows(ctx, path, n), path)
}

async function checkCached(ctx, suffix, n) {
  const path = countPath('/cached-queries', 'count', suffix)
  await checkRowsInTable(ctx, await getRows(ctx, path, n), path)
}

/** The answer's values are in the table afterwards, and (from 2 rows up) at least one row changed. */
async function checkUpdates(ctx, suffix, n) {
  const path = countPath('/updates', 'queries', suffix)
  const all = Array.from({ length: WORLD_ROWS }, (_, i) => i + 1)
  const before = await readWorlds(ctx.db, all)
  const rows = await getRows(ctx, path, n)
  await checkRowsInTable(ctx, rows, path)
  // A row keeps its number with chance 1/10000, so "none changed" is a real failure only from 2 rows up.
  if (n >= 2 && rows.every((r) => before.get(r.id) === r.randomNumber)) fail(`GET ${path}: no row changed in the table`)
}

/** The page the rules ask for, computed from the data; the apostrophe's other spellings count as `&#39;`. */
export function expectedFortunes() {
  const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')
  const rows = [...FORTUNES, EXTRA_FORTUNE].sort((a, b) => (a.message < b.message ? -1 : a.message > b.message ? 1 : 0))
  const trs = rows.map((f) => `<tr><td>${f.id}</td><td>${esc(f.message)}</td></tr>`).join('')
  return `<!DOCTYPE html><html><head><title>Fortunes</title></head><body><table><tr><th>id</th><th>message</th></tr>${trs}</table></body></html>`
}

async function checkFortunes(ctx) {
  const res = await get(ctx.base, '/fortunes')
  checkHead(res, '/fortunes', 'html')
  const got = res.text.replace(/&apos;|&#x27;/gi, '&#39;')
  const want = expectedFortunes()
  if (got === want) return
  let i = 0
  while (i < got.length && got[i] === want[i]) i++
  fail(`GET /fortunes: the page differs at character ${i}: got ${clip(got.slice(i, i + 60))}, expected ${clip(want.slice(i, i + 60))}`)
}

/**
 * The rules, in the order they run; `test` names the TFB test type a rule belongs to. Each `run(ctx)`
 * resolves when the rule holds and rejects with what is wrong.
 */
export const CHECKS = [
  { test: 'json', name: '/json answers {"message":"Hello, World!"} as JSON', run: checkJson },
  { test: 'plaintext', name: '/plaintext answers "Hello, World!" as text/plain', run: checkPlaintext },
  { test: 'plaintext', name: '/plaintext answers 16 pipelined requests', run: (ctx) => checkPipelining(ctx) },
  { test: 'plaintext', name: 'the Date header changes from one second to the next', run: checkDateMoves },
  { test: 'db', name: '/db answers one row of the table', run: checkDb },
  ...COUNTS.map(([s, n]) => ({ test: 'queries', name: countName('/queries', 'queries', s, n), run: (ctx) => checkQueries(ctx, s, n) })),
  { test: 'fortunes', name: '/fortunes answers the exact page, sorted and escaped', run: checkFortunes },
  ...COUNTS.map(([s, n]) => ({
    test: 'cached-queries',
    name: countName('/cached-queries', 'count', s, n),
    run: (ctx) => checkCached(ctx, s, n),
  })),
  ...COUNTS.map(([s, n]) => ({
    test: 'updates',
    name: `${countName('/updates', 'queries', s, n)}, written to the table`,
    run: (ctx) => checkUpdates(ctx, s, n),
  })),
]

/** Connects to the database; `ctx` is what every check's `run` takes. Close it with `ctx.close()`. */
export async function openContext(base, databaseUrl) {
  const db = new pg.Client({ connectionString: databaseUrl })
  await db.connect()
  return { base, db, close: () => db.end() }
}

/**
 * Runs the checks (all, or those of the `tests` given) against the server at `base`; resolves with each
 * check's outcome, `{ test, name, error }` (`error` null when it passed).
 */
export async function verify(base, databaseUrl, tests) {
  const ctx = await openContext(base, databaseUrl)
  const out = []
  try {
    for (const check of CHECKS) {
      if (tests && !tests.includes(check.test)) continue
      try {
        await check.run(ctx)
        out.push({ test: check.test, name: check.name, error: null })
      } catch (err) {
        out.push({ test: check.test, name: check.name, error: err instanceof RuleError ? err.message : `${err?.name ?? 'Error'}: ${err?.message ?? err}` })
      }
    }
  } finally {
    await ctx.close()
  }
  return out
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [base, databaseUrl = process.env.DATABASE_URL] = process.argv.slice(2)
  if (!base || !databaseUrl) {
    console.error('usage: node bench/tfb/verify.mjs <base url> <database url> (or DATABASE_URL)')
    process.exit(2)
  }
  const results = await verify(base, databaseUrl)
  for (const r of results) console.log(`${r.error ? 'FAIL' : 'ok  '} ${r.name}${r.error ? `\n     ${r.error}` : ''}`)
  const failed = results.filter((r) => r.error).length
  console.log(`${results.length - failed} passed, ${failed} failed`)
  process.exitCode = failed ? 1 : 0
}
