/** Serves files from a directory: safe paths, index files, precompressed siblings, validators, ranges, HEAD. */
import { type Stats, realpathSync, statSync } from 'node:fs'
import { stat } from 'node:fs/promises'
import { extname } from 'node:path'
import mime from 'mime-types'
import type { Context } from '../../core/context.js'
import type { Middleware } from '../../core/types.js'
import { HttpError, createError } from '../../errors.js'
import { notModifiedHeaders } from '../../stream/conditional.js'
import { type FileOptions, missing, namesDirectory, resolveInRoot, serveFile } from '../../stream/file.js'
import { addVary, negotiateEncoding } from '../../utils/accepts.js'

/**
 * Options of {@link serveStatic}.
 *
 * @example
 * serveStatic('public', { prefix: '/static', index: ['index.html'], dotfiles: 'deny', precompressed: ['br'] })
 */
export interface ServeStaticOptions extends Pick<FileOptions, 'maxAge' | 'immutable' | 'cacheControl' | 'etag' | 'lastModified' | 'ranges'> {
  /** URL prefix mapped to the root (`/static`); requests outside it pass through untouched. Default `''` (everything). */
  prefix?: string
  /** Files tried, in order, for a directory; `false` for none. Default `['index.html']`. */
  index?: string[] | false
  /**
   * Extensions tried, in order, when a path without one does not exist: `['html']` serves `/about` from
   * `about.html`. A leading dot is optional. Not tried for a path ending in `/` or for a directory. Default `false`.
   */
  extensions?: string[] | false
  /** Redirect (301) a directory asked without its trailing slash, so relative links resolve. Default `true`. */
  redirect?: boolean
  /** Dotfiles (any segment starting with `.`): `'ignore'` as if absent (default), `'deny'` with 403, or `'allow'`. */
  dotfiles?: 'allow' | 'deny' | 'ignore'
  /** Follow symlinks whose target is outside the root. Default `false` (links inside the root are served). */
  followSymlinks?: boolean
  /** Serve a `.br`/`.gz` sibling when the client accepts that coding (adds `Vary: Accept-Encoding`). `true` = `['br', 'gzip']`. Default `false`. */
  precompressed?: boolean | Array<'br' | 'gzip'>
  /** No file found: `true` (default) calls the next handler; `false` answers 404 `ERR_FILE_NOT_FOUND`. */
  fallthrough?: boolean
  /** Adjusts the headers of a file about to be sent (after weir set its own). */
  headers?: (c: Context, file: string, stats: Stats) => void
  /** Requests for which the middleware does nothing. */
  skip?: (c: Context) => boolean
}

const EXT = { br: '.br', gzip: '.gz' } as const

interface Resolved {
  readonly root: string
  readonly prefix: string
  readonly index: readonly string[]
  readonly extensions: readonly string[]
  readonly codings: ReadonlyArray<'br' | 'gzip'>
  readonly file: FileOptions
  readonly o: ServeStaticOptions
}

/**
 * Serves the files under `root` for GET and HEAD (other methods, and paths outside `prefix`, pass
 * through). Traversal cannot leave the root: the path is percent-decoded once, then `..` segments and
 * backslashes are 403, NUL and bad escapes 400, dotfiles and symlinks leading outside 404; a file asked
 * with a trailing slash is not found. A status set before it (a 404 page) is kept, as `c.file` keeps it.
 * The root must exist when the middleware is built.
 *
 * @example
 * app.use(serveStatic('public', { prefix: '/static', maxAge: 86_400, precompressed: true }))
 * app.get('/assets/*path', serveStatic('dist/assets', { prefix: '/assets', immutable: true, maxAge: 31_536_000 }))
 */
export function serveStatic(root: string, options: ServeStaticOptions = {}): Middleware {
  const r = resolve(root, options)
  return async function serveStatic(c, next) {
    if (r.o.skip?.(c) || (c.req.method !== 'GET' && c.req.method !== 'HEAD')) return next()
    const path = c.req.path
    const p = r.prefix
    if (p !== '' && !(path.startsWith(p) && (path.length === p.length || path.charCodeAt(p.length) === 47))) return next()
    let rel: string
    try {
      rel = decodeURIComponent(path.slice(p.length))
    } catch {
      throw createError('ERR_STATIC_BAD_PATH')
    }
    if (await serve(c, r, rel)) return
    if (r.o.fallthrough === false) throw createError('ERR_FILE_NOT_FOUND')
    return next()
  }
}

interface Found {
  readonly rel: string
  readonly file: string
  readonly st: Stats
}

/** Answers the request for `rel` and returns `true`, or returns `false` when there is no such file. */
async function serve(c: Context, r: Resolved, rel: string): Promise<boolean> {
  let found = (await lookup(r, rel)) ?? (await withExtension(r, rel))
  if (found?.st.isDirectory()) {
    if (!rel.endsWith('/') && r.o.redirect !== false && r.index.length > 0) {
      // Collapse leading slashes: "//evil.example" must not become a protocol-relative Location.
      c.redirect(`/${c.req.path.replace(/^\/+/, '')}/${c.req.search ? `?${c.req.search}` : ''}`, 301)
      return true
    }
    found = await indexOf(r, rel)
  }
  // A trailing slash names a directory (the lookup's join() dropped it): a file is not what was asked.
  if (!found?.st.isFile() || (found.rel === rel && namesDirectory(rel))) return false
  const type = mime.contentType(extname(found.rel)) || 'application/octet-stream'
  if (r.codings.length === 0 || !(await sendEncoded(c, r, found.rel, type))) serveFile(c, found.file, found.st, { ...r.file, type })
  if (r.o.headers) {
    r.o.headers(c, found.file, found.st)
    if (c.res.status === 304) notModifiedHeaders(c.res.headers)
  }
  return true
}

/** send's rule: extensions are tried for a missing path that has none and does not end with a slash. */
async function withExtension(r: Resolved, rel: string): Promise<Found | undefined> {
  if (r.extensions.length === 0 || extname(rel) !== '' || namesDirectory(rel)) return undefined
  for (const ext of r.extensions) {
    const found = await lookup(r, `${rel}.${ext}`)
    if (found?.st.isFile()) return found
  }
  return undefined
}

async function indexOf(r: Resolved, dir: string): Promise<Found | undefined> {
  for (const name of r.index) {
    const found = await lookup(r, `${dir}/${name}`)
    if (found?.st.isFile()) return found
  }
  return undefined
}

/** Sends the best precompressed sibling the client accepts, if one exists. */
async function sendEncoded(c: Context, r: Resolved, rel: string, type: string): Promise<boolean> {
  addVary(c.res, 'Accept-Encoding')
  const header = c.req.header('accept-encoding')
  let left: string[] = [...r.codings]
  for (let coding = negotiateEncoding(header, left); coding !== undefined; coding = negotiateEncoding(header, left)) {
    const found = await lookup(r, rel + EXT[coding as keyof typeof EXT])
    if (found?.st.isFile()) {
      serveFile(c, found.file, found.st, { ...r.file, type, encoding: coding })
      return true
    }
    left = left.filter((x) => x !== coding)
  }
  return false
}

/** The real path and stats of `rel` under the root, or `undefined` when absent (or refused as if absent). */
async function lookup(r: Resolved, rel: string): Promise<Found | undefined> {
  try {
    const file = await resolveInRoot(r.root, rel, r.file)
    return { rel, file, st: await stat(file) }
  } catch (err) {
    const e = missing(err)
    if (e instanceof HttpError && e.code === 'ERR_FILE_NOT_FOUND') return undefined
    throw e
  }
}

function resolve(root: string, o: ServeStaticOptions): Resolved {
  if (typeof root !== 'string' || root === '') throw new TypeError('serveStatic(root): root must be a directory path')
  let real: string
  try {
    if (!statSync(root).isDirectory()) throw new Error('not a directory')
    real = realpathSync(root)
  } catch (err) {
    throw new TypeError(`serveStatic(root): ${root} is not a readable directory (${(err as Error).message})`)
  }
  const prefix = (o.prefix ?? '').replace(/\/+$/, '')
  if (prefix !== '' && !prefix.startsWith('/')) throw new TypeError(`serveStatic: prefix must start with "/", got ${o.prefix}`)
  const index = o.index === false ? [] : (o.index ?? ['index.html'])
  if (!Array.isArray(index) || index.some((n) => typeof n !== 'string' || n === '' || /[/\\]/.test(n))) {
    throw new TypeError('serveStatic: index must be false or a list of file names')
  }
  const extensions = extensionList(o.extensions)
  const codings = o.precompressed === true ? (['br', 'gzip'] as const) : o.precompressed || []
  if (!Array.isArray(codings) || codings.some((x) => !Object.hasOwn(EXT, x))) throw new TypeError("serveStatic: precompressed must be a boolean or a list of 'br' | 'gzip'")
  const dotfiles = o.dotfiles ?? 'ignore'
  if (!['allow', 'deny', 'ignore'].includes(dotfiles)) throw new TypeError(`serveStatic: dotfiles must be 'allow', 'deny' or 'ignore', got ${dotfiles}`)
  if (o.maxAge !== undefined && !(Number.isFinite(o.maxAge) && o.maxAge >= 0)) throw new TypeError(`serveStatic: maxAge must be a non-negative number of seconds, got ${o.maxAge}`)
  for (const k of ['skip', 'headers'] as const) if (o[k] !== undefined && typeof o[k] !== 'function') throw new TypeError(`serveStatic: ${k} must be a function`)
  const { maxAge, immutable, cacheControl, etag, lastModified, ranges, followSymlinks } = o
  return { root: real, prefix, index, extensions, codings, o, file: { maxAge, immutable, cacheControl, etag, lastModified, ranges, followSymlinks, dotfiles } }
}

function extensionList(v: unknown): string[] {
  if (v === undefined || v === false) return []
  const names = Array.isArray(v) ? v.map((x) => (typeof x === 'string' && x.startsWith('.') ? x.slice(1) : x)) : undefined
  if (names === undefined || names.some((x) => typeof x !== 'string' || !/^[A-Za-z0-9_~-]+(?:\.[A-Za-z0-9_~-]+)*$/.test(x))) {
    throw new TypeError(`serveStatic: extensions must be false or a list of file extensions like ['html', 'htm'], got ${JSON.stringify(v)}`)
  }
  return names
}
