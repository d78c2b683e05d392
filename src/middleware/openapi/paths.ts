/** weir route patterns → OpenAPI path templates and their path parameters. */
import type { JsonSchema } from './describe.js'

/** One OpenAPI path made from a pattern, with its path parameters in order. */
export interface PathTemplate {
  path: string
  params: Array<{ name: string; schema: JsonSchema; description?: string }>
}

/**
 * The OpenAPI paths of a pattern: `/users/:id` → `/users/{id}`; `:id(\d+)` adds `pattern: ^(?:\d+)$`;
 * an optional last `:id?` gives two paths (with and without it), since OpenAPI path parameters are always
 * required; a wildcard `*path` (or `*`, named `wildcard`) is one parameter holding the rest of the path.
 */
export function pathTemplates(pattern: string): PathTemplate[] {
  const segs = pattern.split('/').slice(1)
  const out: string[] = []
  const params: PathTemplate['params'] = []
  let optional = false
  for (const seg of segs) {
    if (seg.startsWith(':')) {
      const m = /^:([A-Za-z_$][\w$]*)(\?)?(?:\((.*)\))?(\?)?$/.exec(seg)
      if (m === null) {
        out.push(seg) // a `:` inside a static segment is literal (`/v1/things:get` never starts with one)
        continue
      }
      const [, name, q1, re, q2] = m
      optional = q1 === '?' || q2 === '?'
      params.push({ name: name!, schema: re === undefined ? { type: 'string' } : { type: 'string', pattern: `^(?:${re})$` } })
      out.push(`{${name}}`)
    } else if (seg.startsWith('*')) {
      const name = seg.length > 1 ? seg.slice(1) : 'wildcard'
      params.push({ name, schema: { type: 'string' }, description: 'The rest of the path; may contain `/` (sent percent-encoded by most clients) and may be empty.' })
      out.push(`{${name}}`)
    } else out.push(seg)
  }
  const full: PathTemplate = { path: `/${out.join('/')}`, params }
  if (!optional) return [full]
  const short = `/${out.slice(0, -1).join('/')}`
  return [{ path: short === '' ? '/' : short, params: params.slice(0, -1) }, full]
}
