/** Files as responses: what `c.file()` and `serveStatic` share — safe paths, validators, 304, 412, ranges, HEAD. */
import { type Stats, close, open, read } from 'node:fs'
import { realpath, stat } from 'node:fs/promises'
import { basename, join, resolve, sep } from 'node:path'
import { Readable } from 'node:stream'
import type { Context } from '../core/context.js'
import { createError } from '../errors.js'
import { contentDisposition } from '../utils/content-disposition.js'
import { type Validators, isFresh, notModifiedHeaders, parseRange, preconditionFails, rangeApplies } from './conditional.js'
import { mimeType } from './mime.js'

/**
 * Options of `c.file(path, options)`; `serveStatic` takes the same caching options.
 *
 * @example
 * c.file(c.params.name, { root: 'uploads', maxAge: 3600, dotfiles: 'deny' })
 */
export interface FileOptions {
  /**
   * Resolve `path` inside this directory and refuse anything that leaves it: `..` segments, backslashes,
   * NUL, symlinks that lead outside (unless `followSymlinks`), dotfiles (see `dotfiles`). Without `root`,
   * `path` is trusted as given: never pass user input without a `root`.
   */
  root?: string
  /** `Content-Type`. Default: by extension from a built-in table, else `application/octet-stream`. */
  type?: string
  /** `Cache-Control: public, max-age=<maxAge>` in seconds. Default `0` (revalidate every time). */
  maxAge?: number
  /** Adds `immutable` to `Cache-Control` (for fingerprinted file names). Default `false`. */
  immutable?: boolean
  /** A `Cache-Control` value used as is instead of `maxAge`/`immutable`; `false` sends none. */
  cacheControl?: string | false
  /** Send a strong `ETag` (`"<size>-<mtime>"`, hex) and answer `If-None-Match`/`If-Match`/`If-Range`. Default `true`. */
  etag?: boolean
  /** Send `Last-Modified` and answer `If-Modified-Since`/`If-Unmodified-Since`. Default `true`. */
  lastModified?: boolean
  /** Answer `Range` requests (206, 416) and send `Accept-Ranges: bytes`. Default `true`. */
  ranges?: boolean
  /** With `root`: dotfiles are `'ignore'`d as if absent (404, default), `'deny'`ed (403) or `'allow'`ed. */
  dotfiles?: 'allow' | 'deny' | 'ignore'
  /** With `root`: follow symlinks whose target is outside `root`. Default `false` (links inside root are fine). */
  followSymlinks?: boolean
  /**
   * Ask the browser to save the file: `Content-Disposition: attachment` with the file's own name (`true`)
   * or with this name (any characters: non-ASCII names get RFC 8187 `filename*`). Default: none (inline).
   */
  download?: boolean | string
  /** The `Content-Encoding` of the file's bytes (a precompressed `.br` or `.gz`). @internal for serveStatic */
  encoding?: string
}

/**
 * Sets a file as the response: type, validators, `Cache-Control`, 304 for a fresh conditional GET, 412
 * for a failed precondition, 206 for one satisfiable range (several are merged; if they stay several, the
 * whole file is sent), 416 with `Content-Range: bytes *\/size` for none. The file is opened only when the
 * body is read (never for HEAD or 304) and closed when it ends or the client leaves.
 * A status set before is kept: another 2xx gets no 304 or 206 (preconditions still apply); a non-2xx (a
 * 404 page) gets the whole file with its type, length and `Cache-Control`, and no validators, conditions
 * or ranges, which belong to the target's representation (RFC 9110 §13.2.1).
 * Throws 404 `ERR_FILE_NOT_FOUND` for a missing file, a directory, or a path ending in `/`.
 *
 * @example
 * app.get('/report', (c) => sendFile(c, 'reports/latest.pdf'))
 */
export async function sendFile(c: Context, path: string, options: FileOptions = {}): Promise<void> {
  const file = options.root === undefined ? resolve(path) : await resolveInRoot(await realpath(options.root), path, options)
  // resolve() and join() drop a trailing slash; stat() would answer ENOTDIR for a file asked with one.
  if (namesDirectory(path)) throw createError('ERR_FILE_NOT_FOUND')
  serveFile(c, file, await statFile(file), options)
}

/**
 * Whether a path can only name a directory: it ends with `/`, `/.` or `/..` (POSIX path resolution), so a
 * regular file found under it is not the one asked for.
 *
 * @example
 * namesDirectory('docs/a.txt/') // true
 * namesDirectory('docs/a.txt')  // false
 */
export function namesDirectory(path: string): boolean {
  return /(?:^|\/)\.{0,2}$/.test(path)
}

/**
 * The segments of a decoded relative path, or the error to answer: 400 for NUL, 403 for `..` or a
 * backslash (a separator on Windows), and for dotfiles 404 (`ignore`) or 403 (`deny`).
 *
 * @example
 * checkPath('/css/site.css', 'ignore') // ['css', 'site.css']
 */
export function checkPath(path: string, dotfiles: 'allow' | 'deny' | 'ignore' = 'ignore'): string[] {
  if (path.includes('\0')) throw createError('ERR_STATIC_BAD_PATH')
  if (path.includes('\\')) throw createError('ERR_STATIC_FORBIDDEN')
  const segments = path.split('/').filter((s) => s !== '' && s !== '.')
  if (segments.includes('..')) throw createError('ERR_STATIC_FORBIDDEN')
  if (dotfiles !== 'allow' && segments.some((s) => s.startsWith('.'))) {
    throw createError(dotfiles === 'deny' ? 'ERR_STATIC_FORBIDDEN' : 'ERR_FILE_NOT_FOUND')
  }
  return segments
}

/**
 * Resolves a decoded relative path inside `realRoot` (already `realpath`ed): checks it ({@link checkPath}),
 * then, unless `followSymlinks`, resolves links and refuses (404) a target outside the root.
 *
 * @example
 * await resolveInRoot('/srv/public', 'a/b.txt', {}) // '/srv/public/a/b.txt'
 */
export async function resolveInRoot(realRoot: string, path: string, options: Pick<FileOptions, 'dotfiles' | 'followSymlinks'>): Promise<string> {
  const file = join(realRoot, ...checkPath(path, options.dotfiles))
  // join() normalises; this cannot fail after checkPath, but a second look costs nothing.
  if (!inside(realRoot, file)) throw createError('ERR_STATIC_FORBIDDEN')
  if (options.followSymlinks) return file
  let real: string
  try {
    real = await realpath(file)
  } catch (err) {
    throw missing(err)
  }
  if (!inside(realRoot, real)) throw createError('ERR_FILE_NOT_FOUND')
  return real
}

function inside(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep)
}

async function statFile(file: string): Promise<Stats> {
  let st: Stats
  try {
    st = await stat(file)
  } catch (err) {
    throw missing(err)
  }
  if (!st.isFile()) throw createError('ERR_FILE_NOT_FOUND')
  return st
}

/**
 * ENOENT and its kin are a 404; anything else (EACCES, EIO) stays an internal error.
 *
 * @example
 * try { await stat(p) } catch (err) { throw missing(err) }
 */
export function missing(err: unknown): unknown {
  const code = (err as { code?: string }).code
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'ENAMETOOLONG' || code === 'ELOOP' ? createError('ERR_FILE_NOT_FOUND') : err
}

/** Writes the response for a regular file whose `stat` is known (the part `serveStatic` shares). @internal */
export function serveFile(c: Context, file: string, st: Stats, options: FileOptions): void {
  const res = c.res
  const status = res.status
  if (status < 200 || status > 299) {
    fileHeaders(c, file, st, options, false)
    return body(c, file, st.size, 0, st.size - 1)
  }
  const v = fileHeaders(c, file, st, options, true)
  if (preconditionFails(c.req.headers, v)) throw createError('ERR_PRECONDITION_FAILED')
  // As fresh(): 304 and 206 replace only a 200, never a 2xx a handler chose.
  if (status !== 200) return body(c, file, st.size, 0, st.size - 1)
  const safe = c.req.method === 'GET' || c.req.method === 'HEAD'
  if (safe && isFresh(c.req.headers, v)) {
    notModifiedHeaders(res.headers)
    res.status = 304
    res.body = null
    return
  }
  const range = c.req.headers.range
  if (safe && options.ranges !== false && range !== undefined && rangeApplies(c.req.header('if-range'), v)) {
    const r = parseRange(st.size, range)
    if (r === -1) throw createError('ERR_RANGE_NOT_SATISFIABLE', undefined, { headers: { 'content-range': `bytes */${st.size}` } })
    if (r !== -2 && r.length === 1) {
      const { start, end } = r[0]!
      res.status = 206
      res.set('content-range', `bytes ${start}-${end}/${st.size}`)
      return body(c, file, st.size, start, end)
    }
  }
  body(c, file, st.size, 0, st.size - 1)
}

function body(c: Context, file: string, size: number, start: number, end: number): void {
  c.res.set('content-length', end - start + 1)
  c.res.body = size === 0 ? null : new FileBody(file, start, end)
}

/**
 * Sets type, caching, coding and disposition headers, and for the target's representation (`own`) the
 * validators and `Accept-Ranges`; returns the validators.
 */
function fileHeaders(c: Context, file: string, st: Stats, options: FileOptions, own: boolean): Validators {
  const res = c.res
  const coding = options.encoding ? `-${options.encoding}` : ''
  const v: Validators = {
    etag: !own || options.etag === false ? undefined : `"${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}${coding}"`,
    lastModified: !own || options.lastModified === false ? undefined : st.mtime.toUTCString(),
  }
  res.set('content-type', options.type ?? mimeType(file) ?? 'application/octet-stream')
  if (v.etag) res.set('etag', v.etag)
  if (v.lastModified) res.set('last-modified', v.lastModified)
  const cc = cacheControl(options)
  if (cc) res.set('cache-control', cc)
  if (options.encoding) res.set('content-encoding', options.encoding)
  if (options.download) res.set('content-disposition', contentDisposition(options.download === true ? basename(file) : options.download))
  if (own && options.ranges !== false) res.set('accept-ranges', 'bytes')
  return v
}

function cacheControl(o: FileOptions): string | undefined {
  if (o.cacheControl === false) return undefined
  if (typeof o.cacheControl === 'string') return o.cacheControl
  const maxAge = o.maxAge ?? 0
  if (!Number.isFinite(maxAge) || maxAge < 0) throw new TypeError(`maxAge must be a non-negative number of seconds, got ${maxAge}`)
  return `public, max-age=${Math.floor(maxAge)}${o.immutable ? ', immutable' : ''}`
}

const CHUNK = 64 * 1024

/**
 * A byte range of a file, opened on the first read (so a body never read — HEAD, 304, replaced by a
 * middleware — never opens it) and closed on end or destroy. A close waits for a read in flight, so the
 * descriptor is never reused under it. A file that shrinks while being sent fails with `ERR_FILE_CHANGED`.
 */
class FileBody extends Readable {
  readonly #path: string
  readonly #end: number
  #pos: number
  #fd = -1
  #busy = false
  #idle: (() => void) | undefined

  constructor(path: string, start: number, end: number) {
    super({ highWaterMark: CHUNK })
    this.#path = path
    this.#pos = start
    this.#end = end
  }

  override _read(): void {
    if (this.#fd !== -1) return this.#next()
    this.#busy = true
    open(this.#path, 'r', (err, fd) => {
      this.#busy = false
      if (!err) this.#fd = fd
      if (this.#idle) return this.#idle()
      // Gone since the stat (deleted or replaced): a 404 when nothing was sent yet, as for a missing file.
      if (err) return void this.destroy(missing(err) as Error)
      this.#next()
    })
  }

  #next(): void {
    const n = Math.min(CHUNK, this.#end - this.#pos + 1)
    if (n <= 0) return void this.push(null)
    const buf = Buffer.allocUnsafe(n)
    this.#busy = true
    read(this.#fd, buf, 0, n, this.#pos, (err, bytes) => {
      this.#busy = false
      if (this.#idle) return this.#idle()
      if (err) return void this.destroy(err)
      if (bytes === 0) return void this.destroy(createError('ERR_FILE_CHANGED'))
      this.#pos += bytes
      this.push(bytes < n ? buf.subarray(0, bytes) : buf)
    })
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    const finish = () => {
      const fd = this.#fd
      this.#fd = -1
      if (fd === -1) cb(err)
      else close(fd, () => cb(err))
    }
    if (this.#busy) this.#idle = finish
    else finish()
  }
}
