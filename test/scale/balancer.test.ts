// The demo as two processes behind a real load balancer (haproxy), sharing state in Redis: what one process
// stores, the other sees — sessions, rate limits and cached responses.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { Redis } from 'ioredis'
import { type Child, startChild } from '../lifecycle/child.js'
import { freePort } from '../support/child-server.js'

const REDIS = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const PREFIX = `weir-test:scale:${randomBytes(6).toString('hex')}:`

/** Starts haproxy in the foreground, round-robin over `ports`; resolves once it accepts connections. */
async function startHaproxy(dir: string, ports: number[]) {
  const port = await freePort()
  const cfg = join(dir, 'haproxy.cfg')
  const servers = ports.map((p, i) => `  server s${i} 127.0.0.1:${p}`).join('\n')
  writeFileSync(
    cfg,
    `global\n  maxconn 256\ndefaults\n  mode http\n  timeout connect 5s\n  timeout client 30s\n  timeout server 30s\nfrontend fe\n  bind 127.0.0.1:${port}\n  default_backend be\nbackend be\n  balance roundrobin\n${servers}\n`,
  )
  const proc = spawn('haproxy', ['-db', '-f', cfg], { stdio: ['ignore', 'ignore', 'pipe'] })
  let err = ''
  proc.stderr.setEncoding('utf8').on('data', (d) => (err += d))
  proc.once('error', (e) => {
    err += `${e.message} (install haproxy: see scripts/services.sh)`
  })
  const end = Date.now() + 20_000
  for (;;) {
    try {
      await fetch(`http://127.0.0.1:${port}/hello`, { signal: AbortSignal.timeout(2_000) })
      break
    } catch {
      if (Date.now() > end || proc.exitCode !== null) throw new Error(`haproxy did not start: ${err}`)
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  return { port, stop: () => proc.kill('SIGKILL') }
}

describe('two processes behind haproxy, state in Redis', () => {
  const dir = mkdtempSync(join(tmpdir(), 'weir-scale-'))
  const demos: Child[] = []
  let lb: { port: number; stop(): void } | undefined
  const url = (path: string) => `http://127.0.0.1:${lb!.port}${path}`

  before(async () => {
    const env = { PORT: '0', REDIS_URL: REDIS, STORE_PREFIX: PREFIX, WEIR_MODE: 'test', SESSION_KEY: randomBytes(32).toString('hex') }
    demos.push(...(await Promise.all([startChild(env, 'examples/demo/server.ts'), startChild(env, 'examples/demo/server.ts')])))
    lb = await startHaproxy(dir, demos.map((d) => d.port))
  })

  after(async () => {
    lb?.stop()
    await Promise.all(demos.map((d) => d.stop('SIGTERM').catch(() => d.cleanup())))
    for (const d of demos) d.cleanup()
    rmSync(dir, { recursive: true, force: true })
    const redis = new Redis(REDIS)
    const keys = await redis.keys(`${PREFIX}*`)
    if (keys.length > 0) await redis.del(...keys)
    await redis.quit()
  })

  it('a session made through one process is read through the other', async () => {
    const login = await fetch(url('/login'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"ada"}' })
    assert.equal(login.status, 200)
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!
    const pids = new Set<number>()
    for (let i = 0; i < 6; i++) {
      const me = (await (await fetch(url('/me'), { headers: { cookie } })).json()) as { user: string; pid: number }
      assert.equal(me.user, 'ada')
      pids.add(me.pid)
    }
    assert.equal(pids.size, 2, 'both processes answered with the same session')
  })

  it('a rate limit counts across both processes', async () => {
    // The demo counts in one-minute windows aligned on the clock: do not start just before a boundary.
    const left = 60_000 - (Date.now() % 60_000)
    if (left < 10_000) await new Promise((r) => setTimeout(r, left + 100))
    // One after another, so the balancer's round robin sends them to both processes in turn.
    const res: Array<{ status: number; body: string }> = []
    for (let i = 0; i < 9; i++) res.push(await fetch(url('/limited')).then(async (r) => ({ status: r.status, body: await r.text() })))
    const ok = res.filter((r) => r.status === 200)
    assert.equal(ok.length, 5, 'max 5 in the window, whichever process served')
    assert.equal(res.filter((r) => r.status === 429).length, 4)
    assert.equal(new Set(ok.map((r) => (JSON.parse(r.body) as { pid: number }).pid)).size, 2)
  })
  it('a cached report is computed once for both processes, even asked of both at once', async () => {
    const res = await Promise.all(Array.from({ length: 10 }, () => fetch(url('/report')).then((r) => r.json() as Promise<{ run: number; computedBy: number }>)))
    assert.ok(res.every((r) => r.run === 1), `one run: ${JSON.stringify(res)}`)
    assert.equal(new Set(res.map((r) => r.computedBy)).size, 1, 'every answer is the one computation')
  })
})
