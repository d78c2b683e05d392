/** urlencoded bodies: parameters into null-prototype records, bracket keys nested, within count and depth. */
import { createError } from '../errors.js'

/** A parsed urlencoded body: every record has a null prototype, so `__proto__` is just a name. */
export interface FormRecord {
  [key: string]: FormValue
}

/** A form value: a string, the strings of a repeated name (or `a[]`), or a nested record (`a[b]`). */
export type FormValue = string | string[] | FormRecord

/**
 * Parses `application/x-www-form-urlencoded` text (WHATWG URL §5.1: `+` is a space, percent-escapes are
 * UTF-8; a malformed escape is kept as written). `a=1&a=2` gives `['1', '2']`; `a[]=1` gives `['1']`;
 * `user[name]=x` gives `{ user: { name: 'x' } }`. More than `fields` parameters is 413
 * `ERR_BODY_TOO_MANY_FIELDS`; a key nested deeper than `depth` is 400 `ERR_BODY_FORM_TOO_DEEP`; a key
 * used both as a value and as a record (`a=1&a[b]=2`) is 400 `ERR_BODY_INVALID_FORM`.
 *
 * @example
 * parseForm('tag=a&tag=b&user[name]=Ada', 1000, 5) // { tag: ['a', 'b'], user: { name: 'Ada' } }
 */
export function parseForm(text: string, fields: number, depth: number): FormRecord {
  const out: FormRecord = Object.create(null)
  if (text === '') return out
  let count = 1
  for (let i = text.indexOf('&'); i !== -1; i = text.indexOf('&', i + 1)) {
    if (++count > fields) throw createError('ERR_BODY_TOO_MANY_FIELDS', `The form has more than ${fields} parameters`, { details: { limit: fields } })
  }
  for (const [key, value] of new URLSearchParams(text)) {
    const path = splitKey(key)
    if (path === undefined) {
      put(out, key, value, key)
      continue
    }
    if (path.length - 1 > depth) {
      throw createError('ERR_BODY_FORM_TOO_DEEP', `The form key "${clip(key)}" is nested deeper than ${depth}`, { details: { limit: depth } })
    }
    const list = path.at(-1) === ''
    const end = list ? path.length - 2 : path.length - 1
    let node = out
    for (let i = 0; i < end; i++) node = child(node, path[i]!, key)
    put(node, path[end]!, value, key, list)
  }
  return out
}

/** `a[b][]` → `['a', 'b', '']`; a key that is not well-formed bracket syntax → `undefined` (kept as is). */
function splitKey(key: string): string[] | undefined {
  const open = key.indexOf('[')
  if (open <= 0 || key.charCodeAt(key.length - 1) !== 93 /* ] */) return undefined
  const path = [key.slice(0, open)]
  for (let i = open; i < key.length; ) {
    if (key.charCodeAt(i) !== 91 /* [ */) return undefined
    const close = key.indexOf(']', i)
    const seg = key.slice(i + 1, close)
    if (seg.includes('[')) return undefined
    path.push(seg)
    i = close + 1
  }
  for (let i = 1; i < path.length - 1; i++) {
    if (path[i] === '') throw conflict(key, '"[]" may only end a key (a[][b] is not supported; use a[0][b])')
  }
  return path
}

function child(node: FormRecord, name: string, key: string): FormRecord {
  const v = node[name]
  if (v === undefined) {
    const fresh: FormRecord = Object.create(null)
    node[name] = fresh
    return fresh
  }
  if (typeof v === 'string' || Array.isArray(v)) throw conflict(key, `"${clip(name)}" is both a value and a record`)
  return v
}

/** Sets a value; a repeated name (or a `[]` key, `list`) makes an array. */
function put(node: FormRecord, name: string, value: string, key: string, list = false): void {
  const v = node[name]
  if (v === undefined) node[name] = list ? [value] : value
  else if (typeof v === 'string') node[name] = [v, value]
  else if (Array.isArray(v)) v.push(value)
  else throw conflict(key, `"${clip(name)}" is both a record and a value`)
}

function conflict(key: string, why: string) {
  return createError('ERR_BODY_INVALID_FORM', `The form key "${clip(key)}" cannot be parsed: ${why}`)
}

function clip(s: string): string {
  return s.length > 64 ? `${s.slice(0, 64)}…` : s
}
