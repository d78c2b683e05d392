// The idiomatic app the hostile suite attacks: what a user writes with weir — recommended(), bodyParser,
// serveStatic over a directory (with a dotfile and a symlink out of it), an endless stream and /hello.
// Used in-process by the test files and as a child process by test/hostile/server.ts (faults, soak).
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type App, type AppOptions, createApp } from '../../src/index.js'
import { bodyParser } from '../../src/middleware/body-parser/index.js'
import { recommended } from '../../src/middleware/recommended/index.js'
import { serveStatic } from '../../src/middleware/serve-static/index.js'

/** What must never be served: the content of a file next to (outside) the static root. */
export const OUTSIDE_SECRET = 'TOP-SECRET-OUTSIDE-THE-ROOT'
/** The content of the dotfile inside the root. */
export const DOTFILE_SECRET = 'DOTFILE_PASSWORD=hunter2'
/** The message of the handlers' thrown errors; release mode must never show it. */
export const THROWN_SECRET = 'db password is hunter2'
/** Size of `public/big.txt`, for ranges. */
export const BIG_SIZE = 10_000

/** A temporary site: `<dir>/public` is the static root, `<dir>/outside/secret.txt` lies beside it. */
export interface Site {
  dir: string
  root: string
  cleanup(): void
}

export function makeSite(): Site {
  const dir = mkdtempSync(join(tmpdir(), 'weir-hostile-'))
  const root = join(dir, 'public')
  mkdirSync(join(root, '.git'), { recursive: true })
  mkdirSync(join(root, 'css'))
  mkdirSync(join(dir, 'outside'))
  writeFileSync(join(root, 'index.html'), '<h1>home</h1>\n')
  writeFileSync(join(root, 'a.txt'), 'hello from a.txt\n')
  writeFileSync(join(root, 'css', 'site.css'), 'body { color: red }\n')
  writeFileSync(join(root, 'big.txt'), 'b'.repeat(BIG_SIZE))
  writeFileSync(join(root, '.env'), `${DOTFILE_SECRET}\n`)
  writeFileSync(join(root, '.git', 'config'), `[core]\n${DOTFILE_SECRET}\n`)
  writeFileSync(join(dir, 'outside', 'secret.txt'), `${OUTSIDE_SECRET}\n`)
  symlinkSync(join(dir, 'outside', 'secret.txt'), join(root, 'link-out.txt'))
  symlinkSync(join(dir, 'outside'), join(root, 'dir-out'))
  return { dir, root, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

/** What the endless stream route has done so far, over all its requests. */
export interface StreamCounters {
  /** Generators whose body began running. */
  started: number
  /** Chunks produced. */
  produced: number
  /** Generators stopped (their `finally` ran). */
  stopped: number
}

const KB = `${'x'.repeat(1023)}\n`
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Builds the app (not listening). */
export function buildApp(root: string, options: AppOptions = {}): { app: App; stream: StreamCounters } {
  const app = createApp({ mode: 'release', errors: { format: 'problem' }, ...options })
  const stream: StreamCounters = { started: 0, produced: 0, stopped: 0 }

  app.use(...recommended())
  app.use(bodyParser())
  app.use(serveStatic(root, { prefix: '/static' }))

  app.get('/hello', () => ({ hello: 'world' }))
  app.get('/users/:id', (c) => ({ id: c.params.id }))
  app.post('/items', async (c) => {
    const body = await c.req.parse()
    return c.json({ ok: true, type: Array.isArray(body) ? 'array' : typeof body }, 201)
  })
  // An endless source that never waits for I/O: the worst case for fairness and for HEAD.
  app.get('/stream', (c) => {
    c.header('content-type', 'text/plain; charset=utf-8')
    return (async function* () {
      stream.started++
      try {
        for (;;) {
          stream.produced++
          yield KB
        }
      } finally {
        stream.stopped++
      }
    })()
  })
  app.get('/short', (c) => {
    c.header('content-type', 'text/plain; charset=utf-8')
    return (async function* () {
      for (let i = 0; i < 5; i++) yield `line ${i}\n`
    })()
  })
  app.get('/fail/sync', () => {
    throw new Error(THROWN_SECRET)
  })
  app.get('/fail/async', async () => {
    await sleep(1)
    throw new Error(THROWN_SECRET)
  })
  // Background work that fails after the response: nobody awaits it (the peers' process dies here).
  app.get('/bg-reject', () => {
    setTimeout(() => Promise.reject(new Error('bg')), 5)
    return { scheduled: true }
  })
  return { app, stream }
}
