/**
 * `Content-Disposition` (RFC 6266) for downloads: a quoted ASCII `filename` every client understands, plus
 * `filename*` (RFC 8187, UTF-8) when the name has other characters. Control characters can never reach the
 * header (they become `?` and are percent-encoded), so a user-provided name cannot inject a header line.
 */

/** Characters outside printable ASCII: they need `filename*`. */
const NON_ASCII = /[^\x20-\x7e]/
/** A surrogate without its pair: encodeURIComponent throws on it. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g
/** What encodeURIComponent leaves as is but RFC 8187's attr-char does not allow. */
const NOT_ATTR_CHAR = /['()*]/g

/**
 * The header value for `type` and `filename` (only its last path segment is used).
 *
 * @example
 * contentDisposition('report.pdf')          // 'attachment; filename="report.pdf"'
 * contentDisposition('résumé.pdf')          // `attachment; filename="r?sum?.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf`
 * contentDisposition(undefined, 'inline')   // 'inline'
 */
export function contentDisposition(filename?: string, type: 'attachment' | 'inline' = 'attachment'): string {
  if (filename === undefined) return type
  const name = filename.split(/[/\\]/).pop()!.replace(LONE_SURROGATE, '\uFFFD')
  if (!NON_ASCII.test(name)) return `${type}; filename="${quote(name)}"`
  // One `?` per code point, not per UTF-16 unit.
  const ascii = Array.from(name, (ch) => (NON_ASCII.test(ch) ? '?' : ch)).join('')
  return `${type}; filename="${quote(ascii)}"; filename*=UTF-8''${extValue(name)}`
}

function quote(s: string): string {
  return s.replace(/["\\]/g, '\\$&')
}

function extValue(name: string): string {
  return encodeURIComponent(name).replace(NOT_ATTR_CHAR, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`)
}
