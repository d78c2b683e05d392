/** JSON request bodies: UTF-8 only, a depth check before parsing, errors with a position, prototype-poisoning keys refused. */
import { createError } from '../errors.js'

/**
 * What to do with `__proto__` keys and `constructor.prototype` in a JSON body (fastify's option):
 * `'error'` answers 400 `ERR_BODY_PROTO_KEY`, `'remove'` deletes them, `'ignore'` keeps them.
 */
export type ProtoAction = 'error' | 'remove' | 'ignore'

/** Checks a `protoAction` option. Throws `TypeError`. */
export function checkProtoAction(action: unknown): ProtoAction {
  if (action === 'error' || action === 'remove' || action === 'ignore') return action
  throw new TypeError(`protoAction must be 'error', 'remove' or 'ignore', got ${String(action)}`)
}

// WHATWG Encoding's labels of UTF-8: any other `charset` on a JSON body is refused.
const UTF8 = new Set(['utf-8', 'utf8', 'unicode-1-1-utf-8', 'unicode11utf8', 'unicode20utf8', 'x-unicode20utf8'])

/**
 * Refuses a JSON body that is not UTF-8 with 415 `ERR_BODY_UNSUPPORTED_CHARSET`, naming the charset in the
 * message and in `details.charset`. RFC 8259 §8.1: JSON exchanged between systems MUST be UTF-8, so weir
 * decodes nothing else rather than hand `JSON.parse` mis-decoded text. Refused: a `charset` parameter other
 * than UTF-8 (`utf-16`, `iso-8859-1`, …), a UTF-16 or UTF-32 byte-order mark, and the zero bytes by which
 * RFC 4627 §3 tells BOM-less UTF-16/32 (no UTF-8 JSON text has a NUL among its first two bytes).
 * A UTF-8 byte-order mark passes: RFC 8259 §8.1 lets a parser ignore it, and decoding drops it.
 *
 * @example
 * checkJsonCharset(Buffer.from('{}'), 'utf-8') // passes
 * checkJsonCharset(Buffer.from('\ufeff{}', 'utf16le'), undefined) // throws 415: UTF-16LE
 */
export function checkJsonCharset(bytes: Uint8Array, charset: string | undefined): void {
  if (charset !== undefined && !UTF8.has(charset)) throw notUtf8(charset, 'its charset parameter')
  const sniffed = sniffUnicode(bytes)
  if (sniffed !== undefined) throw notUtf8(sniffed.charset, sniffed.bom ? 'its byte-order mark' : 'its zero bytes')
}

/** The UTF-16/32 encoding a body starts like (byte-order mark, else RFC 4627 §3's pattern of zeros), if any. */
export function sniffUnicode(b: Uint8Array): { charset: string; bom: boolean } | undefined {
  if (b.length < 2 || (b[0] !== 0 && b[1] !== 0 && b[0]! < 0xfe)) return undefined
  const [b0, b1, b2, b3] = [b[0], b[1], b[2], b[3]]
  if (b0 === 0xfe && b1 === 0xff) return { charset: 'utf-16be', bom: true }
  if (b0 === 0xff && b1 === 0xfe) return { charset: b2 === 0 && b3 === 0 ? 'utf-32le' : 'utf-16le', bom: true }
  if (b0 === 0 && b1 === 0 && b2 === 0xfe && b3 === 0xff) return { charset: 'utf-32be', bom: true }
  if (b0 === 0) return { charset: b1 === 0 ? 'utf-32be' : 'utf-16be', bom: false }
  if (b1 === 0) return { charset: b2 === 0 && b3 === 0 ? 'utf-32le' : 'utf-16le', bom: false }
  return undefined
}

function notUtf8(charset: string, by: string) {
  const message = `JSON must be UTF-8 (RFC 8259 §8.1); this body is ${charset.toUpperCase()} (by ${by})`
  return createError('ERR_BODY_UNSUPPORTED_CHARSET', message, { details: { charset } })
}

/**
 * Parses JSON text already checked with {@link jsonTooDeep}. Invalid JSON is 400 `ERR_BODY_INVALID_JSON`
 * with the position (and line, column) in the message and in `details`.
 *
 * @example
 * parseJson('{"a":1}', 'error') // { a: 1 }
 */
export function parseJson(text: string, protoAction: ProtoAction): unknown {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    throw invalid(text, err as Error)
  }
  if (protoAction !== 'ignore' && typeof value === 'object' && value !== null && suspect(text)) {
    scrub(value, protoAction)
  }
  return value
}

/**
 * Whether JSON text nests arrays and objects deeper than `max`, found by a scan (strings skipped) before
 * `JSON.parse`, so a 100 000-level body is refused without building it. V8's parser is not recursive, but
 * the code that walks the value afterwards (validators, `JSON.stringify`) often is. On a 1 KB API-like body
 * the bracket count alone decides, at about 4,000 instructions against `JSON.parse`'s 65,000.
 *
 * @example
 * jsonTooDeep('[[[1]]]', 2) // true
 */
export function jsonTooDeep(text: string, max: number): boolean {
  const n = text.length
  if (max === Number.POSITIVE_INFINITY || n <= max * 2) return false
  // No more brackets in all (strings included) than the limit: nothing can nest deeper. Counted by the
  // string's own search, which skips the rest; only a text with more brackets is scanned.
  if (count(text, '{', max) + count(text, '[', max) <= max) return false
  let depth = 0
  let i = 0
  while (i < n) {
    const c = text.charCodeAt(i++)
    if (c === 0x22) {
      i = skipString(text, i)
      if (i === -1) return false // unterminated: JSON.parse reports it
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true
    } else if (c === 0x5d || c === 0x7d) depth--
  }
  return false
}

/** How many times `ch` occurs in `text`, counting no further than `limit + 1`. */
function count(text: string, ch: string, limit: number): number {
  let n = 0
  for (let i = text.indexOf(ch); i !== -1 && n <= limit; i = text.indexOf(ch, i + 1)) n++
  return n
}

/** The index after the quote closing a string whose content starts at `i`, or -1. */
function skipString(text: string, i: number): number {
  const n = text.length
  for (let k = 0; ; k++) {
    if (i >= n) return -1
    if (k === 32) {
      // A long string: the native search jumps to the next quote (a plain loop wins on short ones).
      const q = text.indexOf('"', i)
      if (q === -1) return -1
      let slashes = 0
      for (let j = q - 1; text.charCodeAt(j) === 0x5c; j--) slashes++
      i = q + 1
      if ((slashes & 1) === 0) return i
      k = 0
      continue
    }
    const s = text.charCodeAt(i++)
    if (s === 0x22) return i
    if (s === 0x5c) i++
  }
}

// secure-json-parse's patterns: the keys, also written with \u escapes, followed by a colon.
const PROTO = /"(?:_|\\u005[Ff])(?:_|\\u005[Ff])(?:p|\\u0070)(?:r|\\u0072)(?:o|\\u006[Ff])(?:t|\\u0074)(?:o|\\u006[Ff])(?:_|\\u005[Ff])(?:_|\\u005[Ff])"\s*:/
const CTOR = /"(?:c|\\u0063)(?:o|\\u006[Ff])(?:n|\\u006[Ee])(?:s|\\u0073)(?:t|\\u0074)(?:r|\\u0072)(?:u|\\u0075)(?:c|\\u0063)(?:t|\\u0074)(?:o|\\u006[Ff])(?:r|\\u0072)"\s*:/

/**
 * Whether the text may hold either key. Without a `\u` escape a key is spelled out, so a plain search
 * rules most bodies out at a fraction of the patterns' cost (two regex scans of 1 KB: about 6,000
 * instructions); the patterns decide the rest.
 */
function suspect(text: string): boolean {
  if (!text.includes('__proto__') && !text.includes('constructor') && !text.includes('\\u')) return false
  return PROTO.test(text) || CTOR.test(text)
}

/** Walks the parsed value without recursion; refuses or deletes `__proto__` and `constructor.prototype`. */
function scrub(root: object, action: ProtoAction): void {
  const stack: object[] = [root]
  while (stack.length > 0) {
    const node = stack.pop() as Record<string, unknown>
    if (!Array.isArray(node)) {
      if (Object.hasOwn(node, '__proto__')) {
        if (action === 'error') throw protoKey('__proto__')
        Reflect.deleteProperty(node, '__proto__')
      }
      const ctor = Object.hasOwn(node, 'constructor') ? node.constructor : undefined
      if (typeof ctor === 'object' && ctor !== null && Object.hasOwn(ctor, 'prototype')) {
        if (action === 'error') throw protoKey('constructor.prototype')
        Reflect.deleteProperty(node, 'constructor')
      }
    }
    for (const key of Object.keys(node)) {
      const v = node[key]
      if (typeof v === 'object' && v !== null) stack.push(v)
    }
  }
}

function protoKey(key: string) {
  return createError('ERR_BODY_PROTO_KEY', `The JSON body has a "${key}" key, which is refused (prototype poisoning)`)
}

function invalid(text: string, err: Error) {
  if (text.trim() === '') return createError('ERR_BODY_INVALID_JSON', 'Expected JSON, got an empty body')
  const m = /at position (\d+)/.exec(err.message)
  const position = m ? Number(m[1]) : errorAt(text)
  const before = text.slice(0, position)
  const line = before.split('\n').length
  const column = position - before.lastIndexOf('\n')
  const reason = err.message.replace(/,? ".*" is not valid JSON$/s, '').replace(/ in JSON at position \d+.*$/s, '')
  return createError('ERR_BODY_INVALID_JSON', `Invalid JSON at position ${position} (line ${line}, column ${column}): ${reason}`, {
    details: { position, line, column },
    cause: err,
  })
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y
const WS = /[ \t\n\r]*/y

/**
 * Where JSON text first goes wrong, for the messages in which V8 gives no position
 * ("Unexpected token"). Only runs on the error path; not recursive.
 */
export function errorAt(s: string): number {
  const stack: boolean[] = [] // true: object
  let expect: 'value' | 'value]' | 'key' | 'key}' | 'colon' | 'after' = 'value'
  let i = 0
  for (;;) {
    WS.lastIndex = i
    WS.test(s)
    i = WS.lastIndex
    if (i >= s.length) return s.length
    const c = s[i]!
    if (expect === 'after') {
      const obj = stack.at(-1)
      if (obj === undefined) return i
      if (c === ',') expect = obj ? 'key' : 'value'
      else if (c !== (obj ? '}' : ']')) return i
      else stack.pop()
      i++
    } else if (expect === 'colon') {
      if (c !== ':') return i
      expect = 'value'
      i++
    } else if ((expect === 'value]' && c === ']') || (expect === 'key}' && c === '}')) {
      stack.pop()
      expect = 'after'
      i++
    } else if (expect === 'key' || expect === 'key}') {
      if (c !== '"') return i
      i = stringAt(s, i)
      if (i < 0) return -i - 1
      expect = 'colon'
    } else if (c === '{' || c === '[') {
      stack.push(c === '{')
      expect = c === '{' ? 'key}' : 'value]'
      i++
    } else {
      const end = scalarAt(s, i)
      if (end < 0) return -end - 1
      i = end
      expect = 'after'
    }
  }
}

/** End of the scalar at `i`, or `-(bad position) - 1`. */
function scalarAt(s: string, i: number): number {
  if (s[i] === '"') return stringAt(s, i)
  for (const word of ['true', 'false', 'null']) if (s.startsWith(word, i)) return i + word.length
  NUMBER.lastIndex = i
  return NUMBER.test(s) ? NUMBER.lastIndex : -i - 1
}

/** End of the string opening at `i`, or `-(bad position) - 1`. */
function stringAt(s: string, i: number): number {
  for (let j = i + 1; j < s.length; j++) {
    const c = s.charCodeAt(j)
    if (c === 0x22) return j + 1
    if (c < 0x20) return -j - 1
    if (c === 0x5c) {
      const e = s[j + 1]
      if (e === 'u') {
        if (!/^[0-9a-fA-F]{4}$/.test(s.slice(j + 2, j + 6))) return -j - 1
        j += 5
      } else if (e !== undefined && '"\\/bfnrt'.includes(e)) j++
      else return -j - 1
    }
  }
  return -s.length - 1
}
