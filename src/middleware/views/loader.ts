/** Resolves template names inside the views directory, reads the files and notices when one changed. */
import { type Stats, readFileSync, realpathSync, statSync } from 'node:fs'
import { stat } from 'node:fs/promises'
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path'
import { HttpError } from '../../errors.js'
import type { TemplateLoader } from './engine.js'

/** The views directory's loader: names resolve inside it only, and every file read is noted for change checks. */
export class Loader implements TemplateLoader {
  readonly dir: string
  readonly #extension: string
  // file → `mtime:size` when it was read; checked in debug mode before each render.
  readonly #seen = new Map<string, string>()
  readonly #includes = new Map<string, string>()

  constructor(dir: string, extension: string) {
    this.dir = realDirectory(dir)
    this.#extension = extension
  }

  resolve(name: string, from?: string): string {
    if (from === undefined) return this.#resolve(name, from)
    // Includes come from templates, so this memo is bounded by them; request-made page names are not kept.
    const key = `${from}\0${name}`
    let file = this.#includes.get(key)
    if (file === undefined) {
      file = this.#resolve(name, from)
      this.#includes.set(key, file)
    }
    return file
  }

  #resolve(name: string, from: string | undefined): string {
    if (typeof name !== 'string' || name === '' || name.includes('\0') || name.includes('\\')) throw badName(name)
    if (isAbsolute(name) || /^[a-zA-Z]:/.test(name)) throw badName(name)
    const nearby = from !== undefined && (name.startsWith('./') || name.startsWith('../'))
    if (!nearby && name.split('/').includes('..')) throw badName(name)
    // Only template files: the extension is added unless the name ends with it (`config.json` → `config.json.eta`).
    const file = resolve(nearby ? dirname(from) : this.dir, name.endsWith(this.#extension) ? name : name + this.#extension)
    if (!inside(this.dir, file)) throw badName(name)
    return file
  }

  read(file: string): string {
    const real = this.real(file)
    const st = statSync(real)
    if (!st.isFile()) throw notFound(this.name(file))
    this.#seen.set(file, signature(st))
    return readFileSync(real, 'utf8')
  }

  /** The real path of a template file: `ERR_VIEW_NOT_FOUND` when missing, `ERR_VIEW_BAD_NAME` when a symlink leads out. */
  real(file: string): string {
    let real: string
    try {
      real = realpathSync(file)
    } catch (err) {
      if (isMissing(err)) throw notFound(this.name(file))
      throw err
    }
    // A symlink inside the directory must not lead out of it.
    if (!inside(this.dir, real)) throw badName(this.name(file), 'it leads outside the views directory')
    return real
  }

  /** Whether a file read so far changed or vanished since; then everything is forgotten, to be read again. */
  async changed(): Promise<boolean> {
    const checks = [...this.#seen].map(async ([file, sig]) => {
      const st = await stat(file).catch(() => undefined)
      return st === undefined || signature(st) !== sig
    })
    const changed = (await Promise.all(checks)).includes(true)
    if (changed) {
      this.#seen.clear()
      this.#includes.clear()
    }
    return changed
  }

  /** A file's name relative to the views directory, for messages. */
  name(file: string): string {
    return relative(this.dir, file).split(sep).join('/')
  }
}

function realDirectory(dir: string): string {
  if (typeof dir !== 'string' || dir === '') throw new TypeError('createViews: dir must be the path of the views directory')
  let real: string
  try {
    real = realpathSync(resolve(dir))
  } catch {
    throw new TypeError(`createViews: the views directory ${JSON.stringify(dir)} does not exist`)
  }
  if (!statSync(real).isDirectory()) throw new TypeError(`createViews: ${JSON.stringify(dir)} is not a directory`)
  return real
}

function inside(dir: string, file: string): boolean {
  const rel = relative(dir, file)
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel)
}

function signature(st: Stats): string {
  return `${st.mtimeMs}:${st.size}:${st.ino}`
}

function isMissing(err: unknown): boolean {
  const code = (err as { code?: string })?.code
  return code === 'ENOENT' || code === 'ENOTDIR'
}

/** 400 `ERR_VIEW_BAD_NAME`: a name that would leave the views directory. */
export function badName(name: unknown, why = 'names are relative to the views directory, without "..", absolute paths, backslashes or NUL'): HttpError {
  return new HttpError(400, `The template name ${JSON.stringify(String(name))} is refused: ${why}`, { code: 'ERR_VIEW_BAD_NAME' })
}

/** 404 `ERR_VIEW_NOT_FOUND`: no such template in the views directory. */
export function notFound(name: string): HttpError {
  return new HttpError(404, `No template ${JSON.stringify(name)} in the views directory`, { code: 'ERR_VIEW_NOT_FOUND' })
}
