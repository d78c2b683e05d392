import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { request } from 'node:http'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { workers } from './index.js'

const fixture = fileURLToPath(new URL('./fixtures/server.ts', import.meta.url))

function pidOf(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/pid', agent: false }, (res) => {
      let body = ''
      res.setEncoding('utf8').on('data', (d) => (body += d))
      res.on('end', () => resolve(body))
    })
    req.on('error', reject)
    req.end()
  })
}

async function until(cond: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms
  while (!(await cond())) {
    if (Date.now() > end) assert.fail(`${what}: not within ${ms} ms`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

describe('workers', () => {
  it('runs the app in N processes on one port, restarts one that dies, and stops them all on SIGTERM', async () => {
    const primary = spawn(process.execPath, ['--import', 'tsx', fixture], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    primary.stdout.setEncoding('utf8').on('data', (d) => (out += d))
    primary.stderr.resume()
    const exited = new Promise<number | null>((r) => primary.once('exit', (code) => r(code)))
    try {
      const listening = () => [...out.matchAll(/worker (\d+) listening (\d+)/g)]
      await until(() => listening().length >= 2, 30_000, 'two workers listening')
      const port = Number(listening()[0]![2])
      assert.ok(listening().every((m) => Number(m[2]) === port), 'one port for all')
      const seen = new Set<string>()
      await until(async () => {
        seen.add(await pidOf(port))
        return seen.size === 2
      }, 30_000, 'answers from both workers')
      const victim = Number([...seen][0])
      process.kill(victim, 'SIGKILL')
      await until(() => listening().length >= 3, 30_000, 'the dead worker restarted')
      const after = new Set<string>()
      await until(async () => {
        after.add(await pidOf(port))
        return after.size === 2
      }, 30_000, 'answers from both workers after the restart')
      assert.ok(!after.has(String(victim)), 'the dead worker is not answering')
      primary.kill('SIGTERM')
      assert.equal(await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 30_000))]), 0)
      await until(() => [...after].every((pid) => !running(Number(pid))), 30_000, 'the workers exited')
    } finally {
      if (primary.exitCode === null) primary.kill('SIGKILL')
    }
  })

  it('refuses bad options', async () => {
    await assert.rejects(workers({ count: 0 }, () => {}), /count/)
    await assert.rejects(workers({ restart: -1 }, () => {}), /restart/)
  })
})

/** Whether a process runs: gone, or a zombie waiting to be reaped, is not. */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return false
  }
}
