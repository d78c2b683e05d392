/** What a tree stores at its leaves: the route, its parameter names, and how to build its params. */

import { createError } from '../../errors.js'
import type { Params, RouteMatch } from '../router.js'
import { namesOf, type Token } from './pattern.js'

/** A registered route as stored at a leaf: parameter names live here, not in the nodes. */
export interface Leaf<T> {
  readonly method: string
  readonly pattern: string
  readonly value: T
  /** Parameter names in path order; the walk records one value per name. */
  readonly names: readonly string[]
  /** Builds the params object (raw values) from the path and the walk's offsets: one object shape per route. */
  readonly build: (path: string, off: readonly number[]) => Params
  /** For a fully static route, the match returned by every lookup; null otherwise. */
  readonly match: RouteMatch<T> | null
}

const EMPTY_PARAMS: Params = Object.freeze({})

/** The leaf of one form of a route; a fully static one carries its match, allocated once, here. */
export function makeLeaf<T>(method: string, pattern: string, value: T, tokens: readonly Token[]): Leaf<T> {
  const names = namesOf(tokens)
  if (names.length === 0) {
    const match = Object.freeze({ value, params: EMPTY_PARAMS, pattern })
    return { method, pattern, value, names, build: () => EMPTY_PARAMS, match }
  }
  return { method, pattern, value, names, build: paramsBuilder(names), match: null }
}

/**
 * A function building `{ name0: p.slice(o[0], o[1]), … }` as one object literal from the path `p` and
 * the walk's offsets `o`, so every params object of a route has the same shape from birth. Names are
 * checked identifiers (or `*`), quoted here. Without code generation
 * (`--disallow-code-generation-from-strings`), a loop builds the same object.
 */
function paramsBuilder(names: readonly string[]): (path: string, off: readonly number[]) => Params {
  const body = names.map((name, k) => `${JSON.stringify(name)}: p.slice(o[${2 * k}], o[${2 * k + 1}])`).join(', ')
  try {
    return new Function('p', 'o', `return { ${body} }`) as (path: string, off: readonly number[]) => Params
  } catch {
    return (path, off) => {
      const params: Params = {}
      for (let k = 0; k < names.length; k++) params[names[k]!] = path.slice(off[2 * k], off[2 * k + 1])
      return params
    }
  }
}

/** Percent-decodes the values holding a `%`; overwriting existing keys keeps the object's shape. */
export function decodeParams(params: Params, names: readonly string[]): void {
  for (const name of names) {
    const raw = params[name]!
    if (raw.indexOf('%') !== -1) params[name] = decodeParam(raw)
  }
}

/** decodeURIComponent, a malformed escape becoming ERR_BAD_PERCENT_ENCODING (400). */
function decodeParam(raw: string): string {
  try {
    return decodeURIComponent(raw)
  } catch (err) {
    throw createError('ERR_BAD_PERCENT_ENCODING', undefined, { cause: err })
  }
}
