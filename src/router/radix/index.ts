/**
 * RadixRouter: a segment tree per method, with a map of fully static paths in front of it.
 *
 * Matching is on the raw path as received: still percent-encoded, query string already removed. A pattern
 * starts with `/`; each `/`-separated segment is static text, `:name`, `:name(re)`, or a last `*name`/`*`.
 *
 *   Pattern            Matches                          Does not match                 Params
 *   /                  /                                //, /a                         {}
 *   /users/new         /users/new                       /users/new/, /Users/new ¹      {}
 *   /a//b              /a//b                            /a/b                           {}
 *   /user/:id          /user/42, /user/caf%C3%A9        /user, /user/, /user/42/x      { id: '42' }, { id: 'café' }
 *   /user/:id?         /user, /user/42                  /user/, /user/42/x             {}, { id: '42' }
 *   /user/:id(\d+)     /user/42                         /user/x42, /user/%34%32 ²      { id: '42' }
 *   /files/*path       /files/, /files/a/b.txt          /files, /filesx/a              { path: '' }, { path: 'a/b.txt' }
 *   /static/*          /static/x.css                    /static                        { '*': 'x.css' }
 *   /café              /caf%C3%A9                       /café (raw), /caf%c3%a9 ¹      {}
 *
 *   ¹ unless `caseSensitive: false`, which folds static text, `%XX` escapes included (never parameters).
 *   ² a constraint runs on the raw segment, before decoding.
 *
 * - `:name` captures one non-empty segment. Names are identifiers `[A-Za-z_$][A-Za-z0-9_$]*` (not
 *   `__proto__`), unique within a pattern; a `:` inside a segment is literal (`/v1/things:get`).
 * - `:name(re)` also requires `^(?:re)$` to match. The regexp is compiled once, at registration, and
 *   refused when invalid, when it uses a backreference, or when it nests quantifiers (`(a+)+`).
 * - `:name?` may only be the last segment; it registers both forms, and the short form's params lack it.
 * - `*name` (or `*`, named `*`) may only be the last segment: it captures the rest of the path after the
 *   preceding `/`, slashes included, possibly empty — so `/files/*path` needs the `/` after `files`.
 * - `//` is an empty segment, matched only by an empty segment in the pattern (`/a//b`).
 * - Non-ASCII in static text is percent-encoded at registration (UTF-8, upper-case hex, as browsers
 *   send it); other escapes are compared as written. `( ) * ? # \`, spaces and controls are refused.
 *
 * Priority at each segment: static, then constrained parameters (in registration order), then the plain
 * parameter, then the wildcard. A dead end deeper down backtracks to the next alternative, so with
 * `/user/repos` and `/user/:id/posts`, `/user/repos/posts` matches the second with id `repos`. Each node
 * consumes one segment, so a lookup visits each node at most once.
 *
 * Parameter and wildcard values are percent-decoded (decodeURIComponent, only when they hold a `%`), so
 * `%2F` becomes `/` after matching. A malformed escape throws ERR_BAD_PERCENT_ENCODING (400). A raw value
 * longer than `maxParamLength`, wildcards included, throws ERR_PARAM_TOO_LONG (414) as soon as the walk
 * would capture it, before any constraint runs.
 *
 * Two routes of one method with the same shape (the same statics, parameters with the same constraint
 * source, wildcard) conflict whatever their parameter names; the TypeError names both. `/a` and `/a/`
 * do not conflict, even under `trailingSlash: 'ignore'`, where the exact form is tried first.
 *
 * Methods are case-sensitive upper-case tokens; HEAD falls back to GET when no HEAD route matches.
 * `miss` explains a miss, in this order: `redirect` (policy `redirect`, the other trailing-slash form
 * matches this method; never to a `//host` or `/\host` location), `method` with the Allow list (sorted,
 * HEAD with GET, always OPTIONS) when other methods match the path — also the answer to an OPTIONS
 * request without an OPTIONS route — else `none`.
 */

import type { MissReason, RouteMatch, Router, RouterOptions } from '../router.js'
import { decodeParams, type Leaf, makeLeaf } from './leaf.js'
import { Node, walk } from './node.js'
import { internalize, parsePattern, shapeOf, type Token } from './pattern.js'

/** The routes of one method. */
interface Tree<T> {
  /** Fully static routes by their normalised path: one Map lookup, no walk. */
  readonly statics: Map<string, Leaf<T>>
  readonly root: Node<T>
  /** Every route by shape, to detect conflicts. */
  readonly shapes: Map<string, Leaf<T>>
  /** Number of routes in `root`; when 0, a static miss is a miss. */
  dynamic: number
  /**
   * One bit per (length mod 64, last char mod 128) of the keys of `statics`: most parameter paths skip
   * the Map, whose lookup must hash the whole path when the string is fresh from the socket.
   */
  readonly sieve: Uint32Array
}

interface RouteEntry<T> {
  readonly method: string
  readonly pattern: string
  readonly value: T
}

const NONE: MissReason = Object.freeze({ kind: 'none' })
// RFC 9110 §5.6.2 token, without lower-case letters: methods are case-sensitive (§9.1).
const METHOD = /^[A-Z0-9!#$%&'*+.^_`|~-]+$/
const TRAILING = ['strict', 'ignore', 'redirect'] as const

/**
 * A fast router on a tree of path segments. Static paths cost one Map lookup and return a match
 * allocated at registration; parameter routes allocate only their params object and match.
 *
 * @example
 * const router = new RadixRouter<Handler>({ trailingSlash: 'redirect' })
 * router.add('GET', '/users/:id(\\d+)', showUser)
 * router.find('GET', '/users/42') // { value: showUser, params: { id: '42' }, pattern: '/users/:id(\\d+)' }
 */
export class RadixRouter<T> implements Router<T> {
  readonly #trees = new Map<string, Tree<T>>()
  /** The GET tree, looked up without the Map: GET is most requests. */
  #get: Tree<T> | undefined = undefined
  readonly #routes: RouteEntry<T>[] = []
  readonly #trailing: 'strict' | 'ignore' | 'redirect'
  readonly #fold: boolean
  readonly #max: number
  /** Offsets of captured values (start, end pairs), written by the walk; lookups are synchronous. */
  #off: number[] = [0, 0]

  /**
   * @param options `trailingSlash` (default `'strict'`), `caseSensitive` (default `true`),
   *   `maxParamLength` (default `500`). A bad option throws TypeError.
   */
  constructor(options: RouterOptions = {}) {
    const { trailingSlash = 'strict', caseSensitive = true, maxParamLength = 500 } = options
    if (!TRAILING.includes(trailingSlash)) {
      throw new TypeError(`trailingSlash must be 'strict', 'ignore' or 'redirect', got ${JSON.stringify(trailingSlash)}`)
    }
    if (typeof caseSensitive !== 'boolean') throw new TypeError('caseSensitive must be a boolean')
    if (!Number.isInteger(maxParamLength) || maxParamLength < 1) {
      throw new TypeError(`maxParamLength must be a positive integer, got ${maxParamLength}`)
    }
    this.#trailing = trailingSlash
    this.#fold = !caseSensitive
    this.#max = maxParamLength
  }

  add(method: string, pattern: string, value: T): void {
    if (typeof method !== 'string' || !METHOD.test(method)) {
      throw new TypeError(`Route method must be an upper-case token such as 'GET', got ${JSON.stringify(method)}`)
    }
    const { forms } = parsePattern(pattern, this.#fold)
    const tree = this.#tree(method)
    const shapes = forms.map(shapeOf)
    for (const shape of shapes) {
      const other = tree.shapes.get(shape)
      if (other !== undefined) throw conflict(method, pattern, other)
    }
    forms.forEach((tokens, k) => {
      const leaf = makeLeaf(method, pattern, value, tokens)
      tree.shapes.set(shapes[k]!, leaf)
      if (leaf.match !== null) {
        const key = staticPath(tokens)
        tree.statics.set(key, leaf)
        const bit = sieveBit(key)
        tree.sieve[bit >>> 5]! |= 1 << (bit & 31)
      } else {
        tree.root.insert(tokens, 0, leaf)
        tree.dynamic++
        this.#reserve(leaf.names.length)
      }
    })
    this.#routes.push(Object.freeze({ method, pattern, value }))
  }

  find(method: string, path: string): RouteMatch<T> | null {
    const tree = method === 'GET' ? this.#get : this.#trees.get(method)
    if (tree !== undefined) {
      const found = this.#findIn(tree, path)
      if (found !== null) return found
    }
    // RFC 9110 §9.3.2: HEAD is GET without the body.
    if (method === 'HEAD' && this.#get !== undefined) return this.#findIn(this.#get, path)
    return null
  }

  miss(method: string, path: string): MissReason {
    if (this.#trailing === 'redirect') {
      const other = toggleSlash(path)
      if (other !== null && isSafeLocation(other) && this.#serves(method, other)) return { kind: 'redirect', location: other }
    }
    const allow = this.#allow(path)
    return allow === null ? NONE : { kind: 'method', allow }
  }

  routes(): ReadonlyArray<{ method: string; pattern: string; value: T }> {
    return this.#routes.slice()
  }

  #findIn(tree: Tree<T>, path: string): RouteMatch<T> | null {
    let leaf = this.#match(tree, path)
    if (leaf === null) {
      if (this.#trailing !== 'ignore') return null
      const other = toggleSlash(path)
      if (other === null) return null
      leaf = this.#match(tree, other)
      if (leaf === null) return null
      path = other
    }
    return leaf.match ?? this.#build(leaf, path)
  }

  /** The leaf for `path` in one tree, exact form only. */
  #match(tree: Tree<T>, path: string): Leaf<T> | null {
    const key = this.#fold ? foldCase(path) : path
    const bit = sieveBit(key)
    if ((tree.sieve[bit >>> 5]! & (1 << (bit & 31))) !== 0) {
      const leaf = tree.statics.get(key)
      if (leaf !== undefined) return leaf
    }
    if (tree.dynamic === 0 || path.charCodeAt(0) !== 47) return null
    return walk(tree.root, path, key, 1, 0, this.#off, this.#max)
  }

  /** The match of a parameter route, from the offsets the walk left. */
  #build(leaf: Leaf<T>, path: string): RouteMatch<T> {
    const params = leaf.build(path, this.#off)
    if (path.indexOf('%') !== -1) decodeParams(params, leaf.names)
    return { value: leaf.value, params, pattern: leaf.pattern }
  }

  /** Whether `find` would hit (or, for OPTIONS, whether any method is served): the redirect test. */
  #serves(method: string, path: string): boolean {
    if (method === 'OPTIONS' && this.#allow(path) !== null) return true
    const tree = this.#trees.get(method)
    if (tree !== undefined && this.#matchLoose(tree, path) !== null) return true
    return method === 'HEAD' && this.#get !== undefined && this.#matchLoose(this.#get, path) !== null
  }

  /** The Allow header for `path`: sorted methods that match, HEAD with GET, OPTIONS; null if none does. */
  #allow(path: string): string | null {
    const methods: string[] = []
    for (const [method, tree] of this.#trees) if (this.#matchLoose(tree, path) !== null) methods.push(method)
    if (methods.length === 0) return null
    if (methods.includes('GET') && !methods.includes('HEAD')) methods.push('HEAD')
    if (!methods.includes('OPTIONS')) methods.push('OPTIONS')
    return methods.sort().join(', ')
  }

  /** `#match`, then the other trailing-slash form when the policy is `ignore`. */
  #matchLoose(tree: Tree<T>, path: string): Leaf<T> | null {
    const leaf = this.#match(tree, path)
    if (leaf !== null || this.#trailing !== 'ignore') return leaf
    const other = toggleSlash(path)
    return other === null ? null : this.#match(tree, other)
  }

  #tree(method: string): Tree<T> {
    let tree = this.#trees.get(method)
    if (tree === undefined) {
      tree = { statics: new Map(), root: new Node<T>(), shapes: new Map(), dynamic: 0, sieve: new Uint32Array(256) }
      this.#trees.set(method, tree)
      if (method === 'GET') this.#get = tree
    }
    return tree
  }

  /** Grows the shared buffers to hold `count` parameters. */
  #reserve(count: number): void {
    if (this.#off.length < 2 * count) this.#off = new Array<number>(2 * count).fill(0)
  }
}

function staticPath(tokens: readonly Token[]): string {
  return internalize(`/${tokens.map((t) => (t.kind === 'static' ? t.text : '')).join('/')}`)
}

/** The sieve bit of a path: its length mod 64 and last char mod 128 (0 for the empty path). */
function sieveBit(path: string): number {
  return ((path.length & 63) << 7) | (path.charCodeAt(path.length - 1) & 127)
}

function conflict(method: string, pattern: string, other: Leaf<unknown>): TypeError {
  const why = other.pattern === pattern ? 'the route is registered twice' : 'both match the same paths'
  return new TypeError(`Route ${method} ${pattern} conflicts with ${other.method} ${other.pattern}: ${why}`)
}

/** Folds case for static comparison, keeping the length so offsets into the raw path stay valid; no allocation without A–Z. */
function foldCase(path: string): string {
  for (let k = 0; k < path.length; k++) {
    const c = path.charCodeAt(k)
    if (c >= 65 && c <= 90) {
      const lower = path.toLowerCase()
      return lower.length === path.length ? lower : path.replace(/[A-Z]+/g, (s) => s.toLowerCase())
    }
  }
  return path
}

/** `/a/` ⇄ `/a`; null for the root, which has no other form. */
function toggleSlash(path: string): string | null {
  if (path.length <= 1) return null
  return path.charCodeAt(path.length - 1) === 47 ? path.slice(0, -1) : `${path}/`
}

/** A Location starting with `//` or `/\` would send the browser to another host (open redirect). */
function isSafeLocation(location: string): boolean {
  const second = location.charCodeAt(1)
  return second !== 47 && second !== 92
}
