/** Access-log templates (elton's `{method} {url} {status} {size-human} - {latency-ms} ms`), compiled once. */
import type { Context } from '../../core/context.js'
import { latencyHuman, sizeHuman } from '../../utils/human.js'
import type { Finished } from '../stats/measure.js'
import { redactQuery } from './json.js'

type Token = (c: Context, f: Finished) => string

const dash = (v: string | undefined): string => (v === undefined || v === '' ? '-' : v)

/** Every named token; `{>name}`, `{<name}`, `{~name}`, `{:key}` and `{$NAME}` are the prefixed forms. */
export const TOKENS: Readonly<Record<string, Token>> = {
  method: (c) => c.req.method,
  url: (c) => withQuery(c.req.path, c.req.search),
  uri: (c) => `${c.req.protocol}://${c.req.host}${withQuery(c.req.path, c.req.search)}`,
  path: (c) => c.req.path,
  query: (c) => dash(redactQuery(c.req.search)),
  route: (c) => dash(c.route),
  status: (_, f) => String(f.status),
  size: (_, f) => String(f.bytes),
  'size-human': (_, f) => sizeHuman(f.bytes),
  latency: (_, f) => latencyHuman(f.latency),
  'latency-ms': (_, f) => f.latency.toFixed(2),
  ip: (c) => c.req.ip,
  remote: (c) => dash(c.raw.req.socket?.remoteAddress),
  host: (c) => dash(c.req.host),
  protocol: (c) => c.req.protocol,
  'http-version': (c) => c.raw.req.httpVersion ?? '-',
  referer: (c) => dash(c.req.header('referer')),
  'user-agent': (c) => dash(c.req.header('user-agent')),
  'request-id': (c) => dash(c.requestId),
  'payload-size': (c) => c.req.header('content-length') ?? '0',
  'payload-size-human': (c) => sizeHuman(Number(c.req.header('content-length')) || 0),
  'content-type': (c) => dash(c.req.header('content-type')),
  aborted: (_, f) => (f.aborted ? 'aborted' : '-'),
  when: () => new Date().toISOString(),
  'when-unix': () => String(Math.floor(Date.now() / 1000)),
  'when-unix-ms': () => String(Date.now()),
}

// Secret-looking query values (`?access_token=…`) never reach the log.
const withQuery = (path: string, search: string): string => (search === '' ? path : `${path}?${redactQuery(search)}`)

function prefixed(token: string): Token | undefined {
  const kind = token[0]
  const name = token.slice(1)
  if (name === '') return undefined
  if (kind === '>') return (c) => dash(c.req.header(name))
  if (kind === '<') {
    const key = name.toLowerCase()
    return (c) => {
      const v = c.res.headers[key]
      return v === undefined ? '-' : Array.isArray(v) ? v.join(', ') : String(v)
    }
  }
  if (kind === '~') return (c) => dash(c.req.cookies[name])
  if (kind === ':') return (c) => display((c.get as (k: string) => unknown)(name))
  if (kind === '$') {
    const v = dash(process.env[name])
    return () => v
  }
  return undefined
}

function display(v: unknown): string {
  if (v === undefined || v === null) return '-'
  return typeof v === 'string' ? dash(v) : JSON.stringify(v) ?? '-'
}

// Control characters would let a client forge log lines (a header or URL carrying CR/LF): shown as \xNN.
function escapeControl(s: string): string {
  let i = 0
  while (i < s.length && s.charCodeAt(i) >= 0x20 && s.charCodeAt(i) !== 0x7f) i++
  if (i === s.length) return s
  let out = s.slice(0, i)
  for (; i < s.length; i++) {
    const code = s.charCodeAt(i)
    out += code < 0x20 || code === 0x7f ? `\\x${code.toString(16).padStart(2, '0')}` : s[i]
  }
  return out
}

/**
 * Compiles a template into a line builder. `{token}` is replaced; anything else is literal. An unknown
 * token throws `TypeError` here, when the middleware is built (elton printed it as empty).
 *
 * @example
 * compileTemplate('{method} {url} {status}')(c, finished) // 'GET /users/1 200'
 */
export function compileTemplate(template: string): (c: Context, f: Finished) => string {
  if (typeof template !== 'string' || template === '') throw new TypeError('logger(): the template must be a non-empty string')
  const parts: Array<string | Token> = []
  const re = /\{([^{}]*)\}/g
  let last = 0
  for (let m = re.exec(template); m !== null; m = re.exec(template)) {
    if (m.index > last) parts.push(template.slice(last, m.index))
    const token = m[1]!
    const fn = Object.hasOwn(TOKENS, token) ? TOKENS[token] : prefixed(token)
    if (fn === undefined) {
      throw new TypeError(`logger(): unknown token {${token}} in ${JSON.stringify(template)}; known: ${Object.keys(TOKENS).join(', ')}, >header, <header, ~cookie, :key, $ENV`)
    }
    parts.push(fn)
    last = re.lastIndex
  }
  if (last < template.length) parts.push(template.slice(last))
  return (c, f) => {
    let s = ''
    for (const p of parts) s += typeof p === 'string' ? p : escapeControl(p(c, f))
    return s
  }
}
