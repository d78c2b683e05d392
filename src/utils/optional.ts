/** Loads an optional peer package (pino, prom-client, busboy) synchronously, when the feature needing it is used. */
import { createRequire } from 'node:module'
import { type HttpError, createError } from '../errors.js'

// Resolved from weir's own location, so a package installed next to weir (the app's node_modules) is found.
const require = createRequire(import.meta.url)
const cache = new Map<string, unknown>()

/**
 * The CommonJS package `name`, loaded on first call; a package that is not installed throws
 * `ERR_MISSING_DEPENDENCY` naming it, the feature that needs it and the install command.
 *
 * @example
 * const { pino } = requireOptional<typeof import('pino')>('pino', 'createLogger()')
 */
export function requireOptional<T>(name: string, feature: string): T {
  if (cache.has(name)) return cache.get(name) as T
  let mod: T
  try {
    mod = require(name) as T
  } catch (err) {
    throw notFound(err, name) ? missingDependency(name, feature, err) : err
  }
  cache.set(name, mod)
  return mod
}

/**
 * The error of a missing optional package: 500 `ERR_MISSING_DEPENDENCY`, its message says what to install.
 *
 * @example
 * throw missingDependency('busboy', 'c.req.multipart()')
 */
export function missingDependency(name: string, feature: string, cause?: unknown): HttpError {
  return createError('ERR_MISSING_DEPENDENCY', `${feature} needs the package "${name}", which is not installed: run \`npm install ${name}\``, { cause })
}

// Only the package itself missing; a missing file inside an installed package is a broken install, reported as is.
function notFound(err: unknown, name: string): boolean {
  const e = err as { code?: string; message?: string }
  return e?.code === 'MODULE_NOT_FOUND' && typeof e.message === 'string' && e.message.startsWith(`Cannot find module '${name}'`)
}
