/** The file store: the embedded default that survives a restart — one file per key, written atomically. */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { createError } from '../../errors.js'
import { checkTtl, checkValue, commonOptions, sameBytes } from '../helpers.js'
import type { Store, StoreOptions, StoreValue } from '../types.js'
import { decodeEntry, encodeEntry, live, pathOf, tempOf } from './format.js'
import { exclusive } from './mutex.js'
import { type SweepLimits, startSweeper } from './sweep.js'

/** Options of {@link fileStore}. */
export interface FileStoreOptions extends StoreOptions, SweepLimits {
  /** The directory; created if missing. Default `.weir/store` under the working directory. */
  dir?: string
  /** A lock file older than this belongs to a process that died mid-write and is taken over, ms. Default `10_000`. */
  staleLock?: number
}

/**
 * A store on the local disk: survives restarts, shared by the processes of one machine, needs nothing
 * installed. Every write goes to a temporary file renamed over the entry, so a crash (even `kill -9`)
 * leaves the old value or the new one, never a torn file. compareAndSet and increment hold a lock file
 * per key, so they are atomic across processes. Expired entries and leftovers are swept periodically,
 * and the directory is kept under `maxBytes`.
 *
 * @example
 * import { fileStore } from 'weir/store'
 * const store = fileStore({ dir: '/var/lib/myapp/sessions' })
 */
export function fileStore(options: FileStoreOptions = {}): Store {
  const { prefix, maxValueBytes } = commonOptions(options, 'fileStore()')
  const root = resolve(options.dir ?? '.weir/store')
  const staleLock = options.staleLock ?? 10_000
  if (!(staleLock > 0)) throw new TypeError(`fileStore(): staleLock must be a positive number of ms, got ${staleLock}`)
  const sweeper = startSweeper(root, options)
  let closed = false
  const open = (): void => {
    if (closed) throw createError('ERR_STORE_CLOSED', 'This file store was closed')
  }
  const path = (key: string) => pathOf(root, prefix + key)
  const locked = <T>(p: string, fn: () => Promise<T>) => exclusive(p, staleLock, fn)
  return {
    name: 'file',
    async get(key) {
      open()
      return (await read(path(key)))?.value
    },
    async set(key, value, ttl) {
      open()
      checkValue(value, maxValueBytes, 'file')
      checkTtl(ttl, 'file')
      await write(path(key), value, expiry(ttl))
    },
    async delete(key) {
      open()
      const p = path(key)
      return locked(p, async () => {
        const had = (await read(p)) !== undefined
        await rm(p, { force: true })
        return had
      })
    },
    async touch(key, ttl) {
      open()
      checkTtl(ttl, 'file')
      const p = path(key)
      return locked(p, async () => {
        const e = await read(p)
        if (e === undefined) return false
        await write(p, e.value, expiry(ttl))
        return true
      })
    },
    async compareAndSet(key, expected, value, ttl) {
      open()
      checkValue(value, maxValueBytes, 'file')
      checkTtl(ttl, 'file')
      const p = path(key)
      return locked(p, async () => {
        if (!sameBytes((await read(p))?.value, expected)) return false
        if (value === undefined) await rm(p, { force: true })
        else await write(p, value, expiry(ttl))
        return true
      })
    },
    async increment(key, by = 1, ttl) {
      open()
      checkTtl(ttl, 'file')
      const p = path(key)
      return locked(p, async () => {
        const e = await read(p)
        const n = (e === undefined ? 0 : Number(e.value.toString('latin1'))) + by
        if (!Number.isSafeInteger(n)) throw new TypeError(`file store: ${JSON.stringify(key)} does not hold a counter`)
        // A counter keeps the expiry it was created with.
        await write(p, Buffer.from(String(n), 'latin1'), e === undefined ? expiry(ttl) : e.expiresAt)
        return n
      })
    },
    async close() {
      closed = true
      sweeper.stop()
    },
  }
}

function expiry(ttl: number | undefined): number {
  return ttl === undefined ? 0 : Date.now() + ttl
}

async function read(path: string): Promise<{ value: Buffer; expiresAt: number } | undefined> {
  let bytes: Buffer
  try {
    bytes = await readFile(path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
  const e = decodeEntry(bytes)
  return e !== undefined && live(e.expiresAt, Date.now()) ? e : undefined
}

async function write(path: string, value: StoreValue, expiresAt: number): Promise<void> {
  const tmp = tempOf(path)
  try {
    await writeFile(tmp, encodeEntry(value, expiresAt), { flush: true })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    await mkdir(dirname(path), { recursive: true })
    await writeFile(tmp, encodeEntry(value, expiresAt), { flush: true })
  }
  await rename(tmp, path)
}
