/** Mutual exclusion per key: in this process by a promise chain, across processes by an O_EXCL lock file. */
import { mkdir, open, rm, stat } from 'node:fs/promises'
import { dirname } from 'node:path'

const chains = new Map<string, Promise<unknown>>()

/** Runs `fn` alone for `path`: after the previous holder in this process, and while holding `path.lock`. */
export function exclusive<T>(path: string, staleMs: number, fn: () => Promise<T>): Promise<T> {
  const prev = chains.get(path) ?? Promise.resolve()
  const run = prev.then(() => withLockFile(path, staleMs, fn))
  const tail = run.catch(() => {})
  chains.set(path, tail)
  void tail.then(() => {
    if (chains.get(path) === tail) chains.delete(path)
  })
  return run
}

async function withLockFile<T>(path: string, staleMs: number, fn: () => Promise<T>): Promise<T> {
  const lockPath = `${path}.lock`
  for (let attempt = 0; ; attempt++) {
    try {
      const fh = await open(lockPath, 'wx')
      await fh.close()
      break
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code === 'ENOENT') {
        await mkdir(dirname(lockPath), { recursive: true })
        continue
      }
      if (code !== 'EEXIST') throw err
      await breakIfStale(lockPath, staleMs)
      await new Promise((r) => setTimeout(r, Math.min(50, 1 + attempt)))
    }
  }
  try {
    return await fn()
  } finally {
    await rm(lockPath, { force: true })
  }
}

// A holder killed mid-operation leaves its lock file: past `staleMs` it is taken over.
async function breakIfStale(lockPath: string, staleMs: number): Promise<void> {
  try {
    const s = await stat(lockPath)
    if (Date.now() - s.mtimeMs > staleMs) await rm(lockPath, { force: true })
  } catch {
    // gone already
  }
}
