/** Parsing of route patterns into segment tokens; every malformed pattern is refused here with a TypeError. */

import { compileConstraint, constraintEnd } from './constraint.js'

/** One segment of a pattern. Static text is normalised (non-ASCII percent-encoded, folded when case-insensitive). */
export type Token =
  | { readonly kind: 'static'; readonly text: string }
  | ParamToken
  | { readonly kind: 'wildcard'; readonly name: string }

/** `:name` or `:name(source)`; `re` is the compiled, anchored constraint. */
export interface ParamToken {
  readonly kind: 'param'
  readonly name: string
  readonly source: string | null
  readonly re: RegExp | null
}

/** A parsed pattern: one token list, or two when its last segment is an optional parameter. */
export interface ParsedPattern {
  /** The full form first; with an optional last parameter, the form without it second. */
  readonly forms: readonly (readonly Token[])[]
}

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*/
// Code units from 0x80 (no `u` flag): the runs encodeURIComponent turns into UTF-8 escapes.
const NON_ASCII = /[\u0080-\uffff]+/g
// Characters a static segment may not contain besides controls and space: pattern syntax, or never in a raw path.
const RESERVED = '()*?#\\'

/** Parses `pattern`; `fold` lower-cases static segments (case-insensitive routers). */
export function parsePattern(pattern: string, fold: boolean): ParsedPattern {
  if (typeof pattern !== 'string' || pattern.charCodeAt(0) !== 47) {
    throw new TypeError(`Route pattern must be a string starting with "/", got ${JSON.stringify(pattern)}`)
  }
  const raw = splitSegments(pattern)
  const tokens: Token[] = []
  let optional = false
  for (let k = 0; k < raw.length; k++) {
    const seg = raw[k]!
    const last = k === raw.length - 1
    if (seg.startsWith(':')) {
      const p = parseParam(seg, pattern)
      if (p.optional && !last) throw bad(pattern, `optional parameter ":${p.token.name}?" must be the last segment`)
      optional = p.optional
      tokens.push(p.token)
    } else if (seg.startsWith('*')) {
      if (!last) throw bad(pattern, 'a wildcard must be the last segment')
      const name = seg.length === 1 ? '*' : seg.slice(1)
      if (name !== '*' && !isIdentifier(name)) throw bad(pattern, `bad wildcard name "${name}"`)
      tokens.push({ kind: 'wildcard', name })
    } else {
      tokens.push({ kind: 'static', text: normaliseStatic(seg, pattern, fold) })
    }
  }
  checkNames(tokens, pattern)
  if (!optional) return { forms: [tokens] }
  const short = tokens.slice(0, -1)
  // `/:id?` without its parameter is the root, which is the empty segment.
  if (short.length === 0) short.push({ kind: 'static', text: '' })
  return { forms: [tokens, short] }
}

/** A stable key of what a token list matches, ignoring parameter names: equal keys conflict. */
export function shapeOf(tokens: readonly Token[]): string {
  const parts = tokens.map((t) => (t.kind === 'static' ? `s${t.text}` : t.kind === 'param' ? `p${t.source ?? ''}` : 'w'))
  return JSON.stringify(parts)
}

/** The parameter names of a token list, in path order. */
export function namesOf(tokens: readonly Token[]): string[] {
  const names: string[] = []
  for (const t of tokens) if (t.kind !== 'static') names.push(t.name)
  return names
}

/** Splits after the leading `/` on `/`, except inside a constraint's parentheses. */
function splitSegments(pattern: string): string[] {
  const out: string[] = []
  let start = 1
  for (let k = 1; k < pattern.length; k++) {
    const c = pattern.charCodeAt(k)
    if (c === 40 /* ( */ && pattern.charCodeAt(start) === 58 /* : */) {
      const end = constraintEnd(pattern, k)
      if (end === -1) throw bad(pattern, 'unbalanced parenthesis in a constraint')
      k = end
    } else if (c === 47 /* / */) {
      out.push(pattern.slice(start, k))
      start = k + 1
    }
  }
  out.push(pattern.slice(start))
  return out
}

function parseParam(seg: string, pattern: string): { token: ParamToken; optional: boolean } {
  const name = IDENT.exec(seg.slice(1))?.[0]
  if (name === undefined) throw bad(pattern, `bad parameter name in "${seg}" (want [A-Za-z_$][A-Za-z0-9_$]*)`)
  let rest = seg.slice(1 + name.length)
  let source: string | null = null
  if (rest.startsWith('(')) {
    const end = constraintEnd(rest, 0)
    source = rest.slice(1, end)
    rest = rest.slice(end + 1)
  }
  const optional = rest === '?'
  if (rest !== '' && !optional) throw bad(pattern, `unexpected "${rest}" after parameter ":${name}"`)
  const re = source === null ? null : compileConstraint(source, pattern)
  return { token: { kind: 'param', name, source, re }, optional }
}

function normaliseStatic(seg: string, pattern: string, fold: boolean): string {
  if (hasReserved(seg)) {
    throw bad(pattern, `static segment "${seg}" contains a reserved character (one of ( ) * ? # \\, space or control)`)
  }
  let text = seg
  try {
    // Raw paths arrive percent-encoded, so non-ASCII text is matched in its encoded form.
    text = seg.replace(NON_ASCII, encodeURIComponent)
  } catch {
    throw bad(pattern, `static segment "${seg}" is not well-formed Unicode`)
  }
  return internalize(fold ? text.toLowerCase() : text)
}

/**
 * The same string, flat and unique: V8 interns property keys, so a key built by concatenation or slicing
 * (a cons or sliced string, slow to compare) becomes a flat string with its hash computed, compared by
 * pointer against other interned strings such as literals.
 */
export function internalize(s: string): string {
  return Object.keys({ [s]: 0 })[0]!
}

function hasReserved(seg: string): boolean {
  for (let k = 0; k < seg.length; k++) {
    const c = seg.charCodeAt(k)
    if (c <= 0x20 || c === 0x7f || RESERVED.includes(seg[k]!)) return true
  }
  return false
}

function checkNames(tokens: readonly Token[], pattern: string): void {
  const seen = new Set<string>()
  for (const t of tokens) {
    if (t.kind === 'static') continue
    // A literal `__proto__` key would set the prototype of the params object instead of a property.
    if (t.name === '__proto__') throw bad(pattern, 'parameter name "__proto__" is not allowed')
    if (seen.has(t.name)) throw bad(pattern, `parameter name "${t.name}" is used twice`)
    seen.add(t.name)
  }
}

function isIdentifier(name: string): boolean {
  return IDENT.exec(name)?.[0] === name
}

function bad(pattern: string, why: string): TypeError {
  return new TypeError(`Bad route pattern ${JSON.stringify(pattern)}: ${why}`)
}
