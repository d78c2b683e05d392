import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { fileStore } from '../../store/file/index.js'
import { redisStore } from '../../store/redis/index.js'
import type { Store } from '../../store/types.js'

const worker = fileURLToPath(new URL('./fixtures/worker.ts', import.meta.url))

/** Runs a worker; `line` resolves with its first line of output, `exited` with its exit code. */
function run(args: string[]) {
  const proc = spawn(process.execPath, ['--import', 'tsx', worker, ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  const line = new Promise<string>((resolve, reject) => {
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      const nl = out.indexOf('\n')
      if (nl !== -1) resolve(out.slice(0, nl))
    })
    proc.once('exit', (code) => reject(new Error(`worker ${args.join(' ')} exited (${code}) without output`)))
  })
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)))
  return { proc, line, exited }
}

/** Removes what the workers left (counters have no expiry), so a shared Redis keeps nothing of the run. */
async function clean(store: Store): Promise<void> {
  for (const k of ['runs', 'arrived', 'cache:report']) await store.delete(k)
  await store.close()
}

const count = async (store: Store, key: string) => Number(Buffer.from((await store.get(key)) ?? Buffer.from('0')).toString())

interface Target {
  name: string
  /** Why the target cannot run here, or undefined. */
  unavailable: () => Promise<string | undefined>
  /** A fresh shared medium: the worker argument and a store on it for the test's own reads. */
  make: () => Promise<{ where: string; store: Store }>
}

const dirs: string[] = []
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

const targets: Target[] = [
  {
    name: 'file store (one machine)',
    unavailable: async () => undefined,
    make: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'weir-cache-'))
      dirs.push(dir)
      return { where: dir, store: fileStore({ dir }) }
    },
  },
  {
    name: 'redis store (127.0.0.1:6379)',
    unavailable: async () => {
      const probe = redisStore({ prefix: `weir-cache-probe:${process.pid}:` })
      try {
        await probe.get('x')
        return undefined
      } catch (err) {
        return `Redis is not reachable: ${(err as Error).message}`
      } finally {
        await probe.close()
      }
    },
    make: async () => {
      const where = `weir-cache-test:${process.pid}:${Date.now()}:`
      return { where, store: redisStore({ prefix: where }) }
    },
  },
]

for (const target of targets) {
  describe(`cache.wrap across processes: ${target.name}`, async () => {
    const why = await target.unavailable()
    it('runs the loader once for one key across 4 processes of 25 concurrent callers each', { skip: why }, async () => {
      const { where, store } = await target.make()
      const kind = target.name.startsWith('file') ? 'file' : 'redis'
      const workers = Array.from({ length: 4 }, () => run([kind, where, 'wrap', '4']))
      const outputs = await Promise.all(workers.map((w) => w.line))
      for (const w of workers) assert.equal(await w.exited, 0)
      assert.equal(await count(store, 'runs'), 1, 'the loader ran once in all processes')
      const values = outputs.flatMap((o) => JSON.parse(o) as Array<{ from: number }>)
      assert.equal(values.length, 100)
      assert.equal(new Set(values.map((v) => v.from)).size, 1, 'every caller got the one value')
      await clean(store)
    })

    it('lets another process take over when the lock holder is killed, once its lock expires', { skip: why }, async () => {
      const { where, store } = await target.make()
      const kind = target.name.startsWith('file') ? 'file' : 'redis'
      const holder = run([kind, where, 'hold', '1'])
      assert.equal(await holder.line, 'holding')
      holder.proc.kill('SIGKILL')
      await holder.exited
      const next = run([kind, where, 'take-over', '1'])
      assert.equal(await next.line, '"taken over"')
      assert.equal(await next.exited, 0)
      assert.equal(await count(store, 'runs'), 2)
      await clean(store)
    })
  })
}
