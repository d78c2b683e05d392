/** The file store's sweeper: expired entries, leftovers of crashed writers, and the size bounds. */
import { open, readdir, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { HEADER, isScratch, live } from './format.js'

/** Bounds of the file store's directory, kept by the sweeper. */
export interface SweepLimits {
  /** How often expired entries are removed and the bounds enforced, ms. Default `60_000`. */
  sweepInterval?: number
  /** Most bytes on disk; past it the least recently written entries go. Default `268_435_456` (256 MiB). */
  maxBytes?: number
  /** Most entries; past it the least recently written go. Default `100_000`. */
  maxEntries?: number
}

interface Entry {
  path: string
  size: number
  mtime: number
}

/** Sweeps `root` now and every `sweepInterval` (an unref'd timer); `stop()` ends it. */
export function startSweeper(root: string, limits: SweepLimits): { stop(): void; sweep(): Promise<void> } {
  const interval = limits.sweepInterval ?? 60_000
  const maxBytes = limits.maxBytes ?? 256 << 20
  const maxEntries = limits.maxEntries ?? 100_000
  if (!(interval > 0)) throw new TypeError(`fileStore(): sweepInterval must be a positive number of ms, got ${interval}`)
  if (!Number.isInteger(maxBytes) || maxBytes < 1) throw new TypeError(`fileStore(): maxBytes must be a positive integer, got ${maxBytes}`)
  if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new TypeError(`fileStore(): maxEntries must be a positive integer, got ${maxEntries}`)
  let running: Promise<void> | undefined
  const sweep = (): Promise<void> => {
    running ??= sweepOnce(root, maxBytes, maxEntries, interval)
      .catch(() => {})
      .finally(() => {
        running = undefined
      })
    return running
  }
  void sweep()
  const timer = setInterval(() => void sweep(), interval)
  timer.unref()
  return { stop: () => clearInterval(timer), sweep }
}

async function sweepOnce(root: string, maxBytes: number, maxEntries: number, scratchAge: number): Promise<void> {
  const now = Date.now()
  const kept: Entry[] = []
  for (const dir of await list(root)) {
    for (const name of await list(join(root, dir))) {
      const path = join(root, dir, name)
      const s = await stat(path).catch(() => undefined)
      if (s === undefined || !s.isFile()) continue
      if (isScratch(name)) {
        // A temporary or lock file this old was left by a writer that died.
        if (now - s.mtimeMs > Math.max(scratchAge, 10_000)) await rm(path, { force: true })
      } else if (!live(await expiryOf(path), now)) await rm(path, { force: true })
      else kept.push({ path, size: s.size, mtime: s.mtimeMs })
    }
  }
  await enforce(kept, maxBytes, maxEntries)
}

async function enforce(kept: Entry[], maxBytes: number, maxEntries: number): Promise<void> {
  let bytes = kept.reduce((n, e) => n + e.size, 0)
  if (bytes <= maxBytes && kept.length <= maxEntries) return
  kept.sort((a, b) => a.mtime - b.mtime)
  let count = kept.length
  for (const e of kept) {
    if (bytes <= maxBytes && count <= maxEntries) break
    await rm(e.path, { force: true })
    bytes -= e.size
    count--
  }
}

async function list(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => [])
}

async function expiryOf(path: string): Promise<number> {
  const fh = await open(path, 'r').catch(() => undefined)
  if (fh === undefined) return 0
  try {
    const buf = Buffer.alloc(HEADER)
    const { bytesRead } = await fh.read(buf, 0, HEADER, 0)
    return bytesRead === HEADER ? buf.readDoubleLE(0) : Number.NaN
  } finally {
    await fh.close()
  }
}
