/**
 * Parameter constraints (`:id(\d+)`): found in a pattern, vetted and compiled once at registration.
 *
 * The vetting is a heuristic against catastrophic backtracking, not a proof: it refuses backreferences
 * and a quantified group (`+`, `*`, `{n,m}`) whose body is itself quantified — `(a+)+`, `(a*)*`,
 * `(.*)*`, `(a?){2,}`. Overlapping alternations such as `(a|a)+` are not detected; the input of a
 * constraint is bounded by `maxParamLength` before it runs, which caps the damage.
 */

/** The index of the `)` closing the `(` at `open` in `s`, honouring escapes and classes; -1 if none. */
export function constraintEnd(s: string, open: number): number {
  let depth = 0
  let inClass = false
  for (let k = open; k < s.length; k++) {
    const c = s[k]
    if (c === '\\') k++
    else if (inClass) inClass = c !== ']'
    else if (c === '[') inClass = true
    else if (c === '(') depth++
    else if (c === ')' && --depth === 0) return k
  }
  return -1
}

/** Compiles a constraint anchored to the whole segment, `^(?:source)$`; throws TypeError if unsafe or invalid. */
export function compileConstraint(source: string, pattern: string): RegExp {
  const where = `Bad route pattern ${JSON.stringify(pattern)}: constraint (${source})`
  if (source === '') throw new TypeError(`${where} is empty`)
  const why = unsafeReason(source)
  if (why !== null) throw new TypeError(`${where} ${why}`)
  try {
    return new RegExp(`^(?:${source})$`)
  } catch (err) {
    throw new TypeError(`${where} is not a valid regular expression: ${(err as Error).message}`)
  }
}

/** Why a constraint source is refused, or null. One pass; a stack of "has a quantifier" flags per group. */
function unsafeReason(src: string): string | null {
  const quantified: boolean[] = [false]
  let inClass = false
  for (let k = 0; k < src.length; k++) {
    const c = src[k]!
    if (c === '\\') {
      const next = src[k + 1] ?? ''
      if ((next >= '1' && next <= '9') || (next === 'k' && src[k + 2] === '<')) return 'uses a backreference'
      k++
    } else if (inClass) {
      inClass = c !== ']'
    } else if (c === '[') {
      inClass = true
    } else if (c === '(') {
      quantified.push(false)
      if (src[k + 1] === '?') k += groupPrefixLength(src, k + 1)
    } else if (c === ')') {
      const inner = quantified.pop() ?? false
      if (quantified.length === 0) return 'has an unbalanced ")"'
      const outer = src[k + 1]
      if (inner && (outer === '+' || outer === '*' || outer === '{')) return 'nests quantifiers (catastrophic backtracking)'
      if (inner) quantified[quantified.length - 1] = true
    } else if (c === '+' || c === '*' || c === '?' || c === '{') {
      quantified[quantified.length - 1] = true
    }
  }
  return null
}

/** Length of a group prefix after `(`: `?:`, `?=`, `?!`, `?<=`, `?<!`, `?<name>`. */
function groupPrefixLength(src: string, at: number): number {
  const next = src[at + 1]
  if (next === ':' || next === '=' || next === '!') return 2
  if (next === '<') {
    const after = src[at + 2]
    if (after === '=' || after === '!') return 3
    const close = src.indexOf('>', at)
    return close === -1 ? 1 : close - at + 1
  }
  return 1
}
