/** Render formats: a `Renderer` turns a value into one media type; `c.render(value)` picks one by `Accept`. */
import type { Context } from '../core/context.js'
import { createError } from '../errors.js'
import { addVary, negotiate } from '../utils/accepts.js'
import { toXml } from './xml.js'

/**
 * One output format (gin's `render.Render`): the media type sent as `Content-Type` and a function
 * turning a value into the body. Adding a format is writing one of these.
 *
 * @example
 * import YAML from 'yaml'
 * const yaml: Renderer = { type: 'application/yaml', render: (v) => YAML.stringify(v) }
 * const app = createApp({ renderers: [...defaultRenderers(), yaml] })
 */
export interface Renderer {
  /** The media type, parameters included (`text/html; charset=utf-8`); negotiation uses type/subtype. */
  readonly type: string
  /** The body for a value; may throw (a cyclic value, say), which becomes a 500. */
  render(value: unknown): string | Uint8Array
}

/**
 * Options of `c.render(value, options)`.
 *
 * @example
 * c.render(user, { status: 201, renderers: [jsonRenderer(), yaml] })
 */
export interface RenderOptions {
  /** The status to send. Default: unchanged (200). */
  status?: number
  /** The formats to choose from, first preferred for `*\/*` or no `Accept`. Default: the app's `renderers`. */
  renderers?: readonly Renderer[]
}

/**
 * JSON: `application/json`.
 *
 * @example
 * jsonRenderer({ space: 2 }).render({ a: 1 }) // '{\n  "a": 1\n}'
 */
export function jsonRenderer(options: { space?: number } = {}): Renderer {
  return { type: 'application/json', render: (v) => JSON.stringify(v, null, options.space) ?? 'null' }
}

/**
 * Plain text: strings as they are, other scalars by `String`, objects as indented JSON.
 *
 * @example
 * textRenderer().render(42) // '42'
 */
export function textRenderer(): Renderer {
  return { type: 'text/plain; charset=utf-8', render: (v) => (typeof v === 'string' ? v : plain(v)) }
}

/**
 * HTML from a template function. The default template shows the value as escaped, indented JSON in a
 * `<pre>`: a readable browser view of an API answer that cannot inject markup. A template escapes on its own.
 *
 * @example
 * htmlRenderer((user) => `<h1>${escapeHtml((user as User).name)}</h1>`)
 */
export function htmlRenderer(template?: (value: unknown) => string): Renderer {
  if (template !== undefined && typeof template !== 'function') throw new TypeError('htmlRenderer() takes a template function')
  const page = template ?? ((v: unknown) => `<!doctype html>\n<html><head><meta charset="utf-8"><title>weir</title></head><body><pre>${escapeHtml(plain(v))}</pre></body></html>\n`)
  return { type: 'text/html; charset=utf-8', render: page }
}

/**
 * XML (`application/xml`): objects become elements, arrays `<item>` elements, under `root`.
 *
 * @example
 * xmlRenderer({ root: 'user' }).render({ id: 1 }) // '<?xml …?>\n<user><id>1</id></user>'
 */
export function xmlRenderer(options: { root?: string } = {}): Renderer {
  const root = options.root ?? 'response'
  return { type: 'application/xml', render: (v) => toXml(v, root) }
}

/**
 * The built-in formats in their default order: JSON (chosen for `*\/*` and no `Accept`), text, HTML, XML.
 *
 * @example
 * createApp({ renderers: [...defaultRenderers(), yaml] })
 */
export function defaultRenderers(): Renderer[] {
  return [jsonRenderer(), textRenderer(), htmlRenderer(), xmlRenderer()]
}

/** Checks a renderer list when an app is built; a bad one throws `TypeError`. @internal */
export function checkRenderers(list: unknown): readonly Renderer[] {
  if (!Array.isArray(list) || list.length === 0) throw new TypeError('renderers must be a non-empty array of { type, render }')
  for (const r of list as Renderer[]) {
    if (typeof r !== 'object' || r === null || typeof r.render !== 'function' || !/^[\w.+-]+\/[\w.+-]+\s*(;|$)/.test(String(r.type))) {
      throw new TypeError(`Invalid renderer ${JSON.stringify(r?.type)}: it needs a media type ("type/subtype") and a render function`)
    }
  }
  return [...list]
}

/**
 * Renders `value` in the format the client prefers among `renderers`, with `Vary: Accept`; none
 * acceptable is 406 `ERR_RENDER_NOT_ACCEPTABLE` with the available types in `details.available`.
 * What `c.render` runs. @internal
 */
export function renderInto(c: Context, value: unknown, renderers: readonly Renderer[]): void {
  addVary(c.res, 'Accept')
  const i = negotiate(c.req.header('accept'), renderers.map((r) => r.type))
  if (i === -1) {
    throw createError('ERR_RENDER_NOT_ACCEPTABLE', undefined, { details: { available: renderers.map((r) => r.type.split(';')[0]) } })
  }
  const r = renderers[i]!
  const body = r.render(value)
  c.res.set('content-type', r.type)
  c.res.body = body
}

/**
 * Escapes `& < > " '` for HTML text and attribute values.
 *
 * @example
 * escapeHtml('<b>"hi"</b>') // '&lt;b&gt;&quot;hi&quot;&lt;/b&gt;'
 */
export function escapeHtml(s: string): string {
  // One regex search finds the first character to escape (most text has none); the rest is walked from there.
  // About 60 % of the cost of `replace` with a function, which calls back into JavaScript for every match.
  const first = s.search(HTML_SPECIAL)
  if (first === -1) return s
  let out = ''
  let from = 0
  for (let i = first; i < s.length; i++) {
    let escaped: string
    switch (s.charCodeAt(i)) {
      case 0x26:
        escaped = '&amp;'
        break
      case 0x3c:
        escaped = '&lt;'
        break
      case 0x3e:
        escaped = '&gt;'
        break
      case 0x22:
        escaped = '&quot;'
        break
      case 0x27:
        escaped = '&#39;'
        break
      default:
        continue
    }
    out += s.slice(from, i) + escaped
    from = i + 1
  }
  return out + s.slice(from)
}

const HTML_SPECIAL = /[&<>"']/

function plain(v: unknown): string {
  if (v === undefined) return ''
  if (typeof v === 'object' && v !== null) return JSON.stringify(v, null, 2) ?? ''
  return String(v)
}
