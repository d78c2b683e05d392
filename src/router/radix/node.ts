/** The segment tree of one method and its walk: one node per path segment, alternatives tried in priority order. */

import { createError } from '../../errors.js'
import type { Leaf } from './leaf.js'
import type { Token } from './pattern.js'

/** A static child: its segment text (normalised) and its first char code, that of `/` for the empty segment. */
interface StaticEdge<T> {
  readonly text: string
  readonly first: number
  readonly node: Node<T>
}

/** A constrained parameter child; siblings are tried in registration order. */
interface ConstrainedEdge<T> {
  readonly source: string
  readonly re: RegExp
  readonly node: Node<T>
}

/** One segment position. A node does not know which segment led to it: its parent's edge says. */
export class Node<T> {
  statics: StaticEdge<T>[] = []
  /**
   * With many static children, `statics` split by first char code (ASCII; statics are ASCII once
   * encoded), so the walk scans only the few children sharing the segment's first char.
   */
  byFirst: StaticEdge<T>[][] | null = null
  constrained: ConstrainedEdge<T>[] = []
  param: Node<T> | null = null
  /** The route ending with a wildcard right after this node's segment (and its `/`). */
  wildcard: Leaf<T> | null = null
  /** The route ending at this node's segment. */
  leaf: Leaf<T> | null = null

  /** Adds the route for `tokens` (from index `k`) below this node; conflicts were checked by the caller. */
  insert(tokens: readonly Token[], k: number, leaf: Leaf<T>): void {
    if (k === tokens.length) {
      this.leaf = leaf
      return
    }
    const t = tokens[k]!
    if (t.kind === 'wildcard') {
      this.wildcard = leaf
      return
    }
    this.child(t).insert(tokens, k + 1, leaf)
  }

  /** The existing child for a token, created if needed. */
  private child(t: Token): Node<T> {
    if (t.kind === 'static') {
      const found = this.statics.find((e) => e.text === t.text)
      if (found !== undefined) return found.node
      const node = new Node<T>()
      // The empty segment is "followed" at once by `/` or the end: its first char is taken as `/`.
      this.statics.push({ text: t.text, first: t.text.length === 0 ? 47 : t.text.charCodeAt(0), node })
      if (this.statics.length > INDEX_FROM) this.byFirst = indexByFirst(this.statics)
      return node
    }
    if (t.kind === 'param' && t.re !== null && t.source !== null) {
      const found = this.constrained.find((e) => e.source === t.source)
      if (found !== undefined) return found.node
      const node = new Node<T>()
      this.constrained.push({ source: t.source, re: t.re, node })
      return node
    }
    this.param ??= new Node<T>()
    return this.param
  }
}

const INDEX_FROM = 6
const NO_EDGES: never[] = []

function indexByFirst<T>(statics: readonly StaticEdge<T>[]): StaticEdge<T>[][] {
  const index: StaticEdge<T>[][] = new Array(128).fill(NO_EDGES)
  for (const e of statics) index[e.first] = [...index[e.first]!, e]
  return index
}

/**
 * Finds the leaf for `raw` below `node`, the segment starting at `i`, `d` parameters captured so far.
 * `key` is `raw` with case folded (or `raw` itself): static segments compare against `key`, parameter
 * offsets index both. Depth-first in priority order — static, constrained, plain parameter, wildcard —
 * so a failure deeper down falls back to the next alternative. Each node consumes exactly one segment,
 * so a node is visited at most once per lookup: the walk is linear in the size of the tree.
 * Offsets of captured values go to `off` (start, end pairs). Throws ERR_PARAM_TOO_LONG when a value
 * to capture is longer than `max`, before any constraint runs on it.
 */
export function walk<T>(node: Node<T>, raw: string, key: string, i: number, d: number, off: number[], max: number): Leaf<T> | null {
  const len = raw.length
  if (node.statics.length !== 0) {
    // Statics need no segment end: a text matches if the path holds it at `i` followed by `/` or the end.
    const first = i < len ? key.charCodeAt(i) : 47
    const statics = node.byFirst === null ? node.statics : first < 128 ? node.byFirst[first]! : NO_EDGES
    for (let s = 0; s < statics.length; s++) {
      const e = statics[s]!
      const end = i + e.text.length
      if (e.first !== first || end > len || (end < len && key.charCodeAt(end) !== 47) || !sameText(e.text, key, i)) continue
      const found = end === len ? e.node.leaf : walk(e.node, raw, key, end + 1, d, off, max)
      if (found !== null) return found
      break
    }
  }
  if (node.param !== null || node.constrained.length !== 0) {
    let j = raw.indexOf('/', i)
    if (j === -1) j = len
    if (j !== i) {
      if (j - i > max) throw createError('ERR_PARAM_TOO_LONG')
      off[2 * d] = i
      off[2 * d + 1] = j
      const found = walkParams(node, raw, key, i, j, d, off, max)
      if (found !== null) return found
    }
  }
  const w = node.wildcard
  if (w === null) return null
  if (len - i > max) throw createError('ERR_PARAM_TOO_LONG')
  off[2 * d] = i
  off[2 * d + 1] = len
  return w
}

/** Whether `key` holds `text` at `i` (the first chars are known equal); no substring, no builtin call. */
function sameText(text: string, key: string, i: number): boolean {
  for (let k = 1; k < text.length; k++) if (text.charCodeAt(k) !== key.charCodeAt(i + k)) return false
  return true
}

/** The parameter alternatives of `walk` for the segment `i..j`, constrained ones first. */
function walkParams<T>(node: Node<T>, raw: string, key: string, i: number, j: number, d: number, off: number[], max: number): Leaf<T> | null {
  const last = j === raw.length
  const constrained = node.constrained
  if (constrained.length !== 0) {
    const segment = raw.slice(i, j)
    for (let c = 0; c < constrained.length; c++) {
      const e = constrained[c]!
      if (!e.re.test(segment)) continue
      const found = last ? e.node.leaf : walk(e.node, raw, key, j + 1, d + 1, off, max)
      // Deeper walks write only slots after `d`, so this parameter's offsets still hold.
      if (found !== null) return found
    }
  }
  const p = node.param
  if (p === null) return null
  return last ? p.leaf : walk(p, raw, key, j + 1, d + 1, off, max)
}
