/** Body limits: the app's defaults, per-route overrides, and their checks. */

/** One mebibyte, for writing limits: `{ body: 10 * MiB }`. */
export const MiB = 1024 * 1024

/**
 * Limits on what a request body may contain. Every field is optional; the defaults are listed.
 *
 * @example
 * createApp({ limits: { body: 10 * MiB, jsonDepth: 32 } })
 */
export interface BodyLimits {
  /** Largest body in bytes, counted after `Content-Encoding` is decoded (and before). Default `1 MiB`. */
  body?: number
  /** Deepest nesting of JSON arrays and objects; `Infinity` turns the check off. Default `64`. */
  jsonDepth?: number
  /** Most urlencoded parameters, or multipart fields (files not included). Default `1000`. */
  fields?: number
  /** Deepest bracket nesting of an urlencoded key (`a[b][c]` is 2). Default `5`. */
  formDepth?: number
  /** Largest multipart field value, bytes. Default `1 MiB`. */
  fieldSize?: number
  /** Most multipart files. Default `10`. */
  files?: number
  /** Largest multipart file, bytes. Default: only the body limit applies. */
  fileSize?: number
}

/** Every limit, resolved. */
export type ResolvedLimits = Readonly<Required<BodyLimits>>

/** The defaults of {@link BodyLimits}. */
export const DEFAULT_LIMITS: ResolvedLimits = Object.freeze({
  body: MiB,
  jsonDepth: 64,
  fields: 1000,
  formDepth: 5,
  fieldSize: MiB,
  files: 10,
  fileSize: Number.POSITIVE_INFINITY,
})

/**
 * Merges limits over a base, checking each: a limit is a number ≥ 0 (`Infinity` allowed).
 * Throws `TypeError` on anything else, so a bad option fails when the app or middleware is built.
 */
export function resolveLimits(limits: BodyLimits | undefined, base: ResolvedLimits = DEFAULT_LIMITS): ResolvedLimits {
  if (limits === undefined) return base
  if (typeof limits !== 'object' || limits === null) throw new TypeError('limits must be an object')
  const out: Record<string, number> = { ...base }
  for (const [key, value] of Object.entries(limits)) {
    if (value === undefined) continue
    if (!(key in DEFAULT_LIMITS)) throw new TypeError(`Unknown body limit "${key}"; known: ${Object.keys(DEFAULT_LIMITS).join(', ')}`)
    if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
      throw new TypeError(`Body limit "${key}" must be a number of ${key === 'body' || key.endsWith('Size') ? 'bytes' : 'items'} ≥ 0, got ${String(value)}`)
    }
    out[key] = value
  }
  return Object.freeze(out) as unknown as ResolvedLimits
}
