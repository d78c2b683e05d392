/** Session data to and from JSON bytes, within a size limit. */
import { createError } from '../../errors.js'
import type { Data } from './state.js'

/**
 * The data as JSON bytes; over `maxBytes` it throws 413 `ERR_SESSION_TOO_LARGE`.
 *
 * @example
 * await store.set(id, encodeData(data, 16_384), ttl)
 */
export function encodeData(data: Data, maxBytes: number): Buffer {
  const bytes = Buffer.from(JSON.stringify(Object.fromEntries(data)))
  if (bytes.byteLength > maxBytes) throw tooLarge(bytes.byteLength, maxBytes)
  return bytes
}

/**
 * The data of stored bytes; `undefined` when absent or not a JSON object (treated as no session).
 *
 * @example
 * const data = decodeData(await store.get(id))
 */
export function decodeData(bytes: Uint8Array | undefined): Data | undefined {
  if (bytes === undefined) return undefined
  try {
    const value: unknown = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'))
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? new Map(Object.entries(value)) : undefined
  } catch {
    return undefined
  }
}

/**
 * 413 `ERR_SESSION_TOO_LARGE` for `size` bytes over `maxBytes`.
 *
 * @example
 * if (value.length > max) throw tooLarge(value.length, max)
 */
export function tooLarge(size: number, maxBytes: number): Error {
  return createError('ERR_SESSION_TOO_LARGE', `The session would hold ${size} bytes; it may hold ${maxBytes} (maxBytes)`)
}
