// Shared by the session bench servers, bench/session.mjs and bench/instructions.mjs: the secret, the
// command-line contract `node bench/servers-session/<name>.mjs <variant> <port>`, and the client side —
// one session cookie per load connection, obtained by a first request.
//
// Every server answers two routes:
//   GET /seed  starts a session holding { count: 0 } and answers {"count":0} (no session on a bare variant)
//   GET /      the measured route: bare `{"count":0}`; read `{"count":<stored>}`; write reads the counter and
//              stores counter + 1, answering {"count":<new>}
// Stores that are not in-process read BENCH_REDIS_URL, BENCH_PREFIX (a Redis key prefix of the run) and
// BENCH_DIR (a scratch directory for the file and SQLite stores) from the environment.
import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'

/** The signing secret of every server (≥ 32 bytes, as weir and @fastify/session require). */
export const KEY = 'weir-bench-session-secret-0123456789abcdef'

/** Reads `<variant> <port>`; exits with a usage message when they are wrong. */
export function serverArgs(name, variants) {
  const [variant, portArg] = process.argv.slice(2)
  const port = Number(portArg)
  if (!variants.includes(variant) || !Number.isInteger(port) || port <= 0 || port > 65535) {
    console.error(`usage: node bench/servers-session/${name}.mjs <${variants.join('|')}> <port>`)
    process.exit(2)
  }
  return { variant, port }
}

/** Where Redis is and the key prefix of this server (set by bench/session.mjs). */
export function redisEnv() {
  return {
    url: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
    prefix: process.env.BENCH_PREFIX ?? `weir-bench-session:${randomBytes(6).toString('hex')}:`,
  }
}

/** Tells the runner the server is bound. */
export function ready() {
  console.log('ready')
}

/**
 * `n` session cookies (`name=value`), one per load connection: each from its own `GET /seed`, so each
 * connection loads and saves one existing session of its own. A bare server sets no cookie: it gets a random
 * one of about the same length under `fallbackName`, so every variant receives the same request bytes.
 */
export async function seedCookies(base, n, fallbackName) {
  const cookies = []
  for (let i = 0; i < n; i++) {
    const res = await fetch(`${base}/seed`, { signal: AbortSignal.timeout(30_000) })
    await res.text()
    if (res.status !== 200) throw new Error(`GET /seed answered ${res.status}`)
    const set = res.headers.getSetCookie()[0]
    cookies.push(set ? set.split(';', 1)[0] : `${fallbackName}=${randomBytes(56).toString('base64url')}`)
  }
  return cookies
}

/**
 * A wrk script giving each wrk thread its own cookie; run wrk with as many threads as connections
 * (`-tN -cN`) so that each connection keeps one cookie. `setup` runs once per thread in wrk's main Lua
 * state, `init` in the thread's own, before its request is built.
 */
export function cookieScript(file, cookies) {
  const list = cookies.map((c) => JSON.stringify(c)).join(',\n  ')
  writeFileSync(
    file,
    `local cookies = {\n  ${list}\n}\nlocal n = 0\nfunction setup(thread)\n  n = n + 1\n  thread:set("cookie", cookies[(n - 1) % #cookies + 1])\nend\nfunction init(args)\n  wrk.headers["Cookie"] = cookie\nend\n`,
  )
  return file
}
