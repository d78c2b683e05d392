/** Turns whatever a template threw into a 500 `ERR_VIEW_RENDER` naming the template's file and line. */
import { relative, sep } from 'node:path'
import { HttpError } from '../../errors.js'
import { TemplateError } from './engine.js'

interface Place {
  file: string
  line: number | undefined
}

/**
 * The error answer of a failed render. Its message (`views/home.eta:3: x is not defined`) is shown on the
 * debug error page and logged; release mode answers the generic 500 (`expose: false`).
 */
export function renderError(err: unknown, dir: string, file: string): HttpError {
  const place = locate(err, dir) ?? { file, line: undefined }
  const where = `${display(place.file)}${place.line === undefined ? '' : `:${place.line}`}`
  return new HttpError(500, `Template error at ${where}: ${rootMessage(err)}`, { code: 'ERR_VIEW_RENDER', expose: false, cause: err })
}

// The innermost located error wins: an error in a partial names the partial, not the page including it.
function locate(err: unknown, dir: string): Place | undefined {
  let found: Place | undefined
  for (let e = err, depth = 0; e instanceof Error && depth < 20; e = e.cause, depth++) {
    const place = e instanceof TemplateError ? { file: e.file, line: e.line } : etaRuntime(e, dir)
    if (place) found = place
  }
  return found
}

// eta's runtime errors (compiled with `debug`) begin with `<file>:<line>\n`.
function etaRuntime(e: Error, dir: string): Place | undefined {
  const m = /^(.+):(\d+)\n/.exec(e.message)
  if (!m?.[1].startsWith(dir + sep)) return undefined
  return { file: m[1], line: Number(m[2]) }
}

function rootMessage(err: unknown): string {
  let e = err
  for (let depth = 0; e instanceof Error && e.cause instanceof Error && depth < 20; depth++) e = e.cause
  return e instanceof Error ? e.message : String(e)
}

// Relative to the working directory when inside it, so editors and terminals can open it.
function display(file: string): string {
  const rel = relative(process.cwd(), file)
  return rel.startsWith('..') || rel === '' ? file : rel.split(sep).join('/')
}
