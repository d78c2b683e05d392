// Starts test/lifecycle/fixtures/server.ts as a real child process and reads what it prints and logs.
import { type ChildProcessByStdio, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { request as httpRequest, type Agent } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Readable } from 'node:stream'

export interface Child {
  port: number
  proc: ChildProcessByStdio<null, Readable, Readable>
  /** Everything printed on stdout so far. */
  out(): string
  /** The JSON lines of the log file so far. */
  logs(): Array<Record<string, unknown>>
  /** Resolves with the exit code. */
  exited: Promise<number | null>
  /** Sends `signal` and resolves with the exit code; rejects (after a SIGKILL) if the child lives on past `ms`. */
  stop(signal?: NodeJS.Signals, ms?: number): Promise<number | null>
  cleanup(): void
}

/**
 * Spawns the fixture server (or another `script` that prints `listening <port>` or `listening on http://host:<port>`)
 * and waits for that line, at most 15 s.
 */
export async function startChild(env: Record<string, string> = {}, script = 'test/lifecycle/fixtures/server.ts'): Promise<Child> {
  const dir = mkdtempSync(join(tmpdir(), 'weir-life-'))
  const logFile = join(dir, 'access.log')
  const proc = spawn(process.execPath, ['--import', 'tsx', script], {
    env: { ...process.env, LOG_FILE: logFile, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  proc.stdout.on('data', (d: Buffer) => {
    out += d.toString()
  })
  proc.stderr.on('data', (d: Buffer) => {
    err += d.toString()
  })
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)))
  const port = await new Promise<number>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`child did not start: ${err}`)), 30_000)
    const check = () => {
      const m = /listening (?:on http:\/\/[^\s/]+:)?(\d+)/.exec(out)
      if (m) {
        clearTimeout(t)
        proc.stdout.off('data', check)
        resolve(Number(m[1]))
      }
    }
    proc.stdout.on('data', check)
    proc.once('exit', () => reject(new Error(`child exited early: ${err}`)))
  })
  const logs = () => {
    let text = ''
    try {
      text = readFileSync(logFile, 'utf8')
    } catch {
      return []
    }
    return text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
  }
  const cleanup = () => {
    if (proc.exitCode === null) proc.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  }
  const stop = (signal: NodeJS.Signals = 'SIGTERM', ms = 15_000) => {
    proc.kill(signal)
    return Promise.race([exited, sleep(ms, true).then(() => {
      proc.kill('SIGKILL')
      throw new Error(`child still running ${ms} ms after ${signal}; stderr: ${err}`)
    })])
  }
  return { port, proc, out: () => out, logs, exited, stop, cleanup }
}

/** The outcome of one request: a full response, an error before any response, or an error after it started. */
export type Outcome =
  | { kind: 'done'; status: number; body: string; id: string | undefined }
  | { kind: 'refused'; code: string | undefined }
  | { kind: 'broken'; status: number; code: string | undefined }

/** One GET that never rejects: it says how it ended. */
export function get(port: number, path: string, agent?: Agent): Promise<Outcome> {
  return new Promise((resolve) => {
    let started: number | undefined
    const req = httpRequest({ host: '127.0.0.1', port, path, agent }, (res) => {
      started = res.statusCode
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (d: string) => {
        body += d
      })
      res.on('end', () => {
        if (res.complete) resolve({ kind: 'done', status: res.statusCode!, body, id: res.headers['x-request-id'] as string | undefined })
        else resolve({ kind: 'broken', status: res.statusCode!, code: 'INCOMPLETE' })
      })
      res.on('error', (e: NodeJS.ErrnoException) => resolve({ kind: 'broken', status: res.statusCode!, code: e.code }))
      res.on('close', () => !res.complete && resolve({ kind: 'broken', status: res.statusCode!, code: 'CLOSED' }))
    })
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (started === undefined) resolve({ kind: 'refused', code: e.code })
      else resolve({ kind: 'broken', status: started, code: e.code })
    })
    req.end()
  })
}

/** Resolves after `ms`; `unref` lets the process exit meanwhile (for a timeout racing something else). */
export const sleep = (ms: number, unref = false) =>
  new Promise<void>((r) => {
    const t = setTimeout(r, ms)
    if (unref) t.unref()
  })

/** Waits until `cond()` holds; the bound only keeps a broken test from hanging (a loaded machine is slow). */
export async function until(cond: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting')
    await sleep(10)
  }
}
