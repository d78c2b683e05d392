/** A plain value → XML serialiser for the built-in XML renderer (objects become elements, arrays `<item>`s). */

const NAME = /^[A-Za-z_][A-Za-z0-9._-]*$/
// XML 1.0 §2.2: C0 controls other than tab, LF and CR are not allowed anywhere, even escaped.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching the forbidden characters is the point
const INVALID = /[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]/g

/**
 * Serialises a JSON-like value as an XML document under `root`. Keys that are not XML names (or start
 * with `xml`) become `<item key="…">`; array elements are `<item>`; `null`/`undefined` an empty element;
 * `toJSON()` is honoured (dates); cycles throw `TypeError`.
 *
 * @example
 * toXml({ user: { id: 1, tags: ['a'] } }, 'response')
 * // <?xml version="1.0" encoding="UTF-8"?>\n<response><user><id>1</id><tags><item>a</item></tags></user></response>
 */
export function toXml(value: unknown, root: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${element(root, value, new Set())}`
}

function element(name: string, value: unknown, seen: Set<object>): string {
  const ok = NAME.test(name) && !name.toLowerCase().startsWith('xml')
  const open = ok ? name : `item key="${escapeXml(name).replace(/"/g, '&quot;')}"`
  const close = ok ? name : 'item'
  let v = value
  if (typeof v === 'object' && v !== null && typeof (v as { toJSON?: unknown }).toJSON === 'function') v = (v as { toJSON(): unknown }).toJSON()
  if (v === null || v === undefined) return `<${open}/>`
  if (typeof v !== 'object') return `<${open}>${escapeXml(String(v))}</${close}>`
  if (seen.has(v)) throw new TypeError('Cannot render a cyclic value as XML')
  seen.add(v)
  let inner = ''
  if (Array.isArray(v)) for (const item of v) inner += element('item', item, seen)
  else for (const [k, x] of Object.entries(v)) if (x !== undefined) inner += element(k, x, seen)
  seen.delete(v)
  return `<${open}>${inner}</${close}>`
}

function escapeXml(s: string): string {
  return s.replace(INVALID, '\ufffd').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}
