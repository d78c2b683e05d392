/** The file store's on-disk format: where a key lives and how an entry is laid out. */
import { createHash } from 'node:crypto'
import { join } from 'node:path'

/** Bytes before the value: the expiry (ms since the epoch as a float64, 0 for none). */
export const HEADER = 8

/** The file of a key: `<root>/<2 hex>/<sha256 hex>`, so any key is a safe, bounded file name. */
export function pathOf(root: string, key: string): string {
  const h = createHash('sha256').update(key).digest('hex')
  return join(root, h.slice(0, 2), h)
}

/** An entry's bytes: header then value. */
export function encodeEntry(value: Uint8Array, expiresAt: number): Buffer {
  const out = Buffer.allocUnsafe(HEADER + value.byteLength)
  out.writeDoubleLE(expiresAt, 0)
  out.set(value, HEADER)
  return out
}

/** The value and expiry of an entry's bytes, or `undefined` for a file too short to be one. */
export function decodeEntry(bytes: Buffer): { value: Buffer; expiresAt: number } | undefined {
  if (bytes.byteLength < HEADER) return undefined
  return { value: bytes.subarray(HEADER), expiresAt: bytes.readDoubleLE(0) }
}

/** Whether an entry with this expiry is still live at `now`. */
export function live(expiresAt: number, now: number): boolean {
  return expiresAt === 0 || expiresAt > now
}

/** A temporary file's name next to `path`: written whole, then renamed over it. */
export function tempOf(path: string): string {
  return `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`
}

/** Whether a directory entry is a leftover temporary or lock file. */
export function isScratch(name: string): boolean {
  return name.includes('.tmp-') || name.endsWith('.lock')
}
