// Instructions per request, counted by valgrind (callgrind): the speed targets measured in a unit this
// shared 2-core VM cannot disturb. Throughput and CPU time here move by ±25 % between runs of the same
// server; an instruction count of the same server and load moves by well under 1 %.
//
// Each server runs alone under `valgrind --tool=callgrind`; wrk loads it (about 1,000 req/s under valgrind),
// `callgrind_control --zero` starts the count after a warm-up, `--dump` ends it, and the count is divided by
// the requests wrk completed in between. What it counts: user-space instructions of the server process
// (V8's JIT code, Node's C++, libuv, libc). What it does not: kernel time (the socket syscalls, the same for
// every server doing the same I/O) and cache misses. So a ratio here is the CPU the frameworks' own code
// costs, not the end-to-end throughput ratio, which the kernel's share brings closer to 1.
//
//   node bench/instructions.mjs                          # every group (about 35 minutes)
//   node bench/instructions.mjs --groups core,recommended --warmup 40 --duration 20
//   node bench/instructions.mjs --groups core --rows '(a)'  # only the rows whose label contains '(a)'
//   node bench/instructions.mjs --smoke                  # one short group: checks the harness
//   node bench/instructions.mjs --keep /tmp/cg ...       # keep the dumps: callgrind_annotate /tmp/cg/<file>
//   node bench/instructions.mjs --fixed ...              # a fixed request count (h2load --h1; POST rows post a file)
//
// Needs valgrind and wrk: `bash scripts/bench-tools.sh` installs them. Builds dist/ first unless --no-build.
import { spawn, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { freePort, onPath, selfSignedCert } from './lib.mjs'
import { SIZES, makeBody } from './servers-body/common.mjs'
import { cookieScript, seedCookies } from './servers-session/common.mjs'

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)))
const TSX = ['--import', 'tsx']

/** A server: the node arguments (`{port}` and `{dir}` are filled in), and what wrk sends. */
const server = (args, request = { path: '/' }) => ({ args, request })
const post = (path, size) => ({ path, method: 'POST', bodySize: size })
// GET / with one session cookie per connection (from GET /seed; a bare server gets a random one of the same
// size under `cookie`): wrk runs one thread per connection, each thread with its own cookie.
const withSession = (cookie) => ({ path: '/', cookie })
const sessionServer = (variant) => server([...TSX, 'bench/servers-session/weir.mjs', variant, '{port}'], withSession('weir.sid'))
const controllerServer = (variant) => server([...TSX, 'bench/servers-controller/weir.ts', variant, '{port}'], { path: '/users/42' })
// HTTP/2 over TLS, loaded by h2load (10 connections, one stream each at a time) instead of wrk; `{dir}` holds a test certificate.
const h2Server = (name) => server([`bench/servers-http2/${name}.mjs`, 'h2', '{port}', '{dir}', '{dir}'], { path: '/', h2: true })
// WebSocket echo over 100 connections (bench/servers-ws/); a "request" is one round trip of a 32-byte message.
const wsServer = (name) => server([...(name.startsWith('weir') ? TSX : []), `bench/servers-ws/${name}.mjs`, '{port}'], { path: '/echo', ws: true })
const cacheServer = (variant) => server([...TSX, 'bench/servers-cache/weir.mjs', variant, '{port}'])

/** The targets of the issues, each a group compared to its first row. */
const GROUPS = {
  core: {
    title: 'Core (issue 2): hello (a), routing (b), 10 async middlewares (c)',
    rows: {
      'raw (a)': server(['bench/servers/raw.mjs', 'a', '{port}']),
      'weir (a)': server(['bench/servers/weir.mjs', 'a', '{port}']),
      'fastify (a)': server(['bench/servers/fastify.mjs', 'a', '{port}']),
      'raw (b)': server(['bench/servers/raw.mjs', 'b', '{port}'], { path: '/user/42' }),
      'weir (b)': server(['bench/servers/weir.mjs', 'b', '{port}'], { path: '/user/42' }),
      'fastify (b)': server(['bench/servers/fastify.mjs', 'b', '{port}'], { path: '/user/42' }),
      'weir (c)': server(['bench/servers/weir.mjs', 'c', '{port}']),
      'fastify (c)': server(['bench/servers/fastify.mjs', 'c', '{port}']),
      // The first row once more: how far a count moves between two runs of the same server.
      'raw (a) again': server(['bench/servers/raw.mjs', 'a', '{port}']),
    },
  },
  recommended: {
    title: 'Recommended stack (issue 5): hello, bare vs recommended() with the JSON access log to a file',
    rows: {
      bare: server([...TSX, 'bench/recommended.mjs', '--serve', 'bare', '{port}', '{dir}/bare.log']),
      recommended: server([...TSX, 'bench/recommended.mjs', '--serve', 'recommended', '{port}', '{dir}/access.log']),
    },
  },
  'recommended-parts': {
    title: 'The recommended stack one part at a time (each alone on the bare app)',
    rows: Object.fromEntries(
      ['bare', 'request-id', 'logger', 'recover'].map((v) => [v, server([...TSX, 'bench/recommended.mjs', '--serve', v, '{port}', `{dir}/${v}.log`])]),
    ),
  },
  etag: {
    title: 'ETag (issue 6): 1 KB JSON, without and with etag() / fresh() + etag()',
    rows: {
      plain: server([...TSX, 'bench/etag.mjs', '--serve', 'plain', '--port', '{port}']),
      'one pass-through async middleware': server([...TSX, 'bench/etag.mjs', '--serve', 'noop', '--port', '{port}']),
      'a constant ETag header, no hash': server([...TSX, 'bench/etag.mjs', '--serve', 'header', '--port', '{port}']),
      etag: server([...TSX, 'bench/etag.mjs', '--serve', 'etag', '--port', '{port}']),
      'fresh+etag': server([...TSX, 'bench/etag.mjs', '--serve', 'fresh+etag', '--port', '{port}']),
    },
  },
  body: {
    title: 'Body (issue 3): 1 KB JSON POST, read once vs read twice (middleware bytes(), handler json()); fastify for scale',
    rows: {
      'weir once': server(['bench/servers-body/weir.mjs', '{port}'], post('/once', '1k')),
      'weir twice': server(['bench/servers-body/weir.mjs', '{port}'], post('/twice', '1k')),
      'fastify POST': server(['bench/servers-body/fastify.mjs', '{port}'], post('/', '1k')),
      'weir POST': server(['bench/servers-body/weir.mjs', '{port}'], post('/', '1k')),
      'weir POST, jsonDepth Infinity': server(['bench/servers-body/weir.mjs', '{port}', 'nodepth'], post('/', '1k')),
    },
  },
  session: {
    title: 'Session: GET / bare vs a session read vs a read + write (counter + 1), memoryStore(), one session per connection',
    rows: {
      bare: sessionServer('bare'),
      'weir memory read': sessionServer('memory-read'),
      'weir memory read+write': sessionServer('memory'),
    },
  },
  // Needs DATABASE_URL: run it through `node bench/tfb/run.mjs --instructions`, which creates the database.
  tfb: {
    title: 'TechEmpower json, plaintext (not pipelined), fortunes: weir and its peers (bench/tfb/servers/)',
    rows: Object.fromEntries(
      ['json', 'plaintext', 'fortunes'].flatMap((test) =>
        ['raw', 'weir', 'fastify', 'hono', 'express'].map((name) => [`${name} ${test}`, server([`bench/tfb/servers/${name}.mjs`, '{port}'], { path: `/${test}` })]),
      ),
    ),
  },
  controller: {
    title: 'Controllers: GET /users/42, a plain route vs a @Controller class method (with @Describe) vs a controller() table',
    rows: {
      'plain route': controllerServer('plain'),
      '@Controller class': controllerServer('class'),
      'controller() table': controllerServer('table'),
      'plain route again': controllerServer('plain'),
    },
  },
  cache: {
    title: 'Cache: ~1 KB JSON, bare vs a cacheResponse() hit vs a createCache().wrap hit (memoryStore())',
    rows: {
      bare: cacheServer('bare'),
      'cacheResponse() hit': cacheServer('response'),
      'createCache().wrap hit': cacheServer('wrap'),
    },
  },
  http2: {
    title: 'HTTP/2 over TLS, hello: Node compat API alone vs weir, fastify and hono on it (h2load -c 10 -m 1)',
    rows: {
      'raw http2 compat': h2Server('raw'),
      weir: h2Server('weir'),
      fastify: h2Server('fastify'),
      hono: h2Server('hono'),
      'raw http2 compat again': h2Server('raw'),
    },
  },
  ws: {
    title: 'WebSocket echo round trips, 32-byte text over 100 connections: ws alone vs weir, @fastify/websocket and hono',
    rows: {
      'raw ws': wsServer('raw'),
      weir: wsServer('weir'),
      "weir, text: 'buffer'": wsServer('weir-buffer'),
      fastify: wsServer('fastify'),
      hono: wsServer('hono'),
      'raw ws again': wsServer('raw'),
    },
  },
  inspector: {
    title: 'weir/inspector: hello in debug and release mode, without and with inspector() (no page open)',
    rows: Object.fromEntries(
      ['debug', 'debug+inspector', 'release', 'release+inspector'].map((v) => [v, server(['bench/servers-inspector/weir.mjs', v, '{port}'])]),
    ),
  },
}

const { values: o } = parseArgs({
  options: {
    groups: { type: 'string', default: Object.keys(GROUPS).filter((g) => !['recommended-parts', 'tfb', 'inspector', 'http2', 'ws'].includes(g)).join(',') },
    warmup: { type: 'string', default: '40' },
    duration: { type: 'string', default: '20' },
    connections: { type: 'string', default: '10' },
    rows: { type: 'string' },
    keep: { type: 'string' },
    smoke: { type: 'boolean', default: false },
    fixed: { type: 'boolean', default: false },
    'no-build': { type: 'boolean', default: false },
  },
})
if (o.smoke) Object.assign(o, { groups: 'recommended', warmup: '2', duration: '2' })
const groups = o.groups.split(',')
for (const tool of ['valgrind', 'callgrind_control', 'wrk', ...(groups.includes('http2') ? ['h2load'] : [])]) {
  if (!onPath(tool)) {
    console.error(`bench/instructions.mjs needs ${tool}: run scripts/bench-tools.sh (apt-get install valgrind wrk)`)
    process.exit(1)
  }
}
if (!o['no-build']) spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' })

const dir = mkdtempSync(join(tmpdir(), 'weir-instr-'))
// The http2 group's servers read a certificate from `{dir}`.
if (groups.includes('http2')) selfSignedCert(dir)
const out = [`# Instructions per request (callgrind), ${new Date().toISOString().slice(0, 10)}, Node ${process.version}`, '']
try {
  for (const name of groups) {
    const group = GROUPS[name]
    if (!group) throw new Error(`unknown group ${name}; groups: ${Object.keys(GROUPS).join(', ')}`)
    out.push(`## ${group.title}`, '', '| server | requests | instructions / request | vs first row | main thread | vs first row |', '|---|---:|---:|---:|---:|---:|')
    let first
    for (const [label, s] of Object.entries(group.rows)) {
      if (o.rows && !o.rows.split(',').some((r) => label.includes(r))) continue
      const r = await count(s)
      first ??= r
      const line = `| ${label} | ${r.requests.toLocaleString('en-US')} | ${Math.round(r.perRequest).toLocaleString('en-US')} | ${(r.perRequest / first.perRequest).toFixed(3)}× | ${Math.round(r.mainPerRequest).toLocaleString('en-US')} | ${(r.mainPerRequest / first.mainPerRequest).toFixed(3)}× |`
      console.log(line)
      out.push(line)
    }
    out.push('')
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}
const report = out.join('\n')
mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true })
writeFileSync(join(ROOT, 'bench', 'results', 'instructions.md'), `${report}\n`)
console.log(`\n${report}\nbench: wrote bench/results/instructions.md`)

/** Runs one server under callgrind and returns the instructions per request of the measured window. */
async function count({ args, request }) {
  const port = await freePort()
  const fill = (a) => a.replaceAll('{port}', String(port)).replaceAll('{dir}', dir)
  const cg = join(dir, `cg-${port}`)
  const env = { ...process.env, NODE_ENV: 'production', WEIR_MODE: 'release' }
  const argv = ['--tool=callgrind', '--separate-threads=yes', `--callgrind-out-file=${cg}.%p`, process.execPath, ...args.map(fill)]
  const child = spawn('valgrind', argv, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let err = ''
  child.stderr.on('data', (d) => {
    err = (err + d).slice(-4000)
  })
  try {
    await new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`not ready in 180 s: ${err}`)), 180_000)
      child.stdout.on('data', (d) => {
        if (!String(d).includes('ready')) return
        clearTimeout(t)
        resolve()
      })
      child.once('exit', (code) => reject(new Error(`exited (${code}) before ready: ${err}`)))
    })
    // A warm-up, then the count of one measured load (`load(seconds)` returns the requests it completed).
    const measured = (load) => {
      load(o.warmup)
      callgrind('--zero', child.pid)
      const requests = load(o.duration)
      callgrind('--dump', child.pid)
      return readCount(port, child.pid, request.path, requests)
    }
    if (request.ws) return measured((s) => echoes(`ws://127.0.0.1:${port}${request.path}`, s))
    if (request.h2) return measured((s) => h2load(`https://127.0.0.1:${port}${request.path}`, s))
    const url = `http://127.0.0.1:${port}${request.path}`
    if (o.fixed && !request.cookie) {
      if (!request.method) return measured((s) => h2load(url, s, ['--h1']))
      // A body: h2load posts the same file (a quarter of the GET rate: about what valgrind serves).
      if (request.method === 'POST') return measured((s) => h2load(url, s / 4, ['--h1', ...postArgs(request)]))
    }
    let script = request.method ? luaScript(request) : undefined
    let threads = 1
    if (request.cookie) {
      const cookies = await seedCookies(`http://127.0.0.1:${port}`, Number(o.connections), request.cookie)
      script = cookieScript(join(dir, `cookies-${port}.lua`), cookies)
      threads = cookies.length
    }
    return measured((s) => wrk(url, s, script, threads))
  } finally {
    child.kill('SIGKILL')
  }
}

/**
 * The instructions per request in the first dump of the server on `port`: all threads, and the main
 * thread alone (JavaScript, the event loop, scavenges), which is steadier: the background threads' share
 * (concurrent marking, compilation) moves with when a major GC or a tier-up lands in the window.
 */
function readCount(port, pid, path, requests) {
  const dumps = readdirSync(dir).filter((f) => f.startsWith(`cg-${port}.`) && /\.1-\d+$/.test(f))
  let total = 0
  let main = 0
  for (const dump of dumps) {
    const text = readFileSync(join(dir, dump), 'utf8')
    const summary = /^summary:\s+(\d+)/m.exec(text)
    if (!summary) throw new Error(`no count in ${dump}`)
    total += Number(summary[1])
    if (dump.endsWith('-01')) main = Number(summary[1])
    // --keep <dir>: keep each dump (for callgrind_annotate), named after the server's row.
    if (o.keep) writeFileSync(join(o.keep, `callgrind.${path.replace(/\W+/g, '_')}.${pid}.${dump.split('.').pop()}.out`), text)
  }
  if (main === 0 || requests === 0) throw new Error(`no count: ${dumps.join(', ')}, ${requests} requests`)
  return { requests, perRequest: total / requests, mainPerRequest: main / requests }
}

/**
 * HTTP/2 load: h2load, `--connections` connections of one stream at a time; returns the requests that
 * succeeded. A fixed number of requests (800 per second asked, about the rate under valgrind), not a
 * duration, so each run's TLS handshakes weigh the same per request whatever the server's speed; one stream
 * per connection, so a slower server does not get more requests per read (and fewer instructions per request).
 */
function h2load(url, seconds, extra = []) {
  const r = spawnSync('h2load', [...extra, '-n', String(Number(seconds) * 800), '-c', o.connections, '-m', '1', url], { encoding: 'utf8' })
  const m = /requests: \d+ total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed/.exec(r.stdout)
  if (m?.[2] !== '0') throw new Error(`h2load failed: ${r.stdout}${r.stderr}`)
  return Number(m[1])
}

/** WebSocket echo load: 100 connections, 1,000 round trips per second asked (fixed, as for h2load). */
function echoes(url, seconds) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bench', 'servers-ws', 'echo-count.mjs'), url, '100', String(Number(seconds) * 1000)], { encoding: 'utf8' })
  const n = Number(r.stdout.trim())
  if (r.status !== 0 || !(n > 0)) throw new Error(`echo load failed: ${r.stdout}${r.stderr}`)
  return n
}

function wrk(url, seconds, script, threads = 1) {
  const args = [`-t${threads}`, `-c${o.connections}`, `-d${seconds}s`, ...(script ? ['-s', script] : []), url]
  const r = spawnSync('wrk', args, { encoding: 'utf8' })
  const m = /(\d+) requests in/.exec(r.stdout)
  if (!m || /Non-2xx/.test(r.stdout)) throw new Error(`wrk failed: ${r.stdout}${r.stderr}`)
  return Number(m[1])
}

function callgrind(command, pid) {
  const r = spawnSync('callgrind_control', [command, String(pid)], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`callgrind_control ${command}: ${r.stderr}`)
}

function postArgs({ bodySize }) {
  const file = join(dir, `POST-${bodySize}.json`)
  writeFileSync(file, makeBody(SIZES[bodySize]))
  return ['-d', file, '-H', 'content-type: application/json']
}

function luaScript({ method, bodySize }) {
  const file = join(dir, `${method}-${bodySize}.lua`)
  const body = makeBody(SIZES[bodySize]) // ASCII JSON: JSON.stringify of it is a valid Lua string literal
  writeFileSync(file, `wrk.method = "${method}"\nwrk.body = ${JSON.stringify(body)}\nwrk.headers["Content-Type"] = "application/json"\n`)
  return file
}
