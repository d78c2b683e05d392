/** Everything that decides how a request body is read: limits, decoders, parsers, the JSON proto policy. */
import { type Decoders, DEFAULT_DECODERS, resolveDecoders } from './decoders.js'
import { checkProtoAction, type ProtoAction } from './json.js'
import { type BodyLimits, DEFAULT_LIMITS, type ResolvedLimits, resolveLimits } from './limits.js'

/** The reading side of a request, as a custom parser sees it (`c.req`). */
export interface BodySource {
  header(name: string): string | undefined
  bytes(): Promise<Uint8Array>
  text(): Promise<string>
  json<T = unknown>(): Promise<T>
  stream(): import('node:stream').Readable
}

/** A parser for one media type: reads the body through `req` and returns the value `c.req.parse()` gives. */
export type BodyParser = (req: BodySource) => unknown

/**
 * Parsers by media type (lower case, no parameters): exact (`text/csv`), a wildcard subtype
 * (`text/*`) or `*\/*`. `false` turns a built-in off (the body is then left as bytes).
 */
export type BodyParsers = Readonly<Record<string, BodyParser | false>>

/**
 * How this request's body is read; set per route with `c.req.configureBody()` or `bodyParser()`.
 *
 * @example
 * c.req.configureBody({ limits: { body: 50 * MiB }, decoders: { br: false } })
 */
export interface BodyOptions {
  /** Limits merged over the app's (`createApp({ limits })`). */
  limits?: BodyLimits
  /** Content codings merged over the defaults (gzip, x-gzip, deflate, br); `false` refuses one. */
  decoders?: Decoders
  /** Custom parsers by media type for `c.req.parse()`, merged over earlier ones. */
  parsers?: BodyParsers
  /** `__proto__` / `constructor.prototype` keys in JSON. Default `'error'` (400). */
  protoAction?: ProtoAction
}

/** Resolved {@link BodyOptions}. */
export interface BodySettings {
  readonly limits: ResolvedLimits
  readonly decoders: Decoders
  readonly parsers: BodyParsers | undefined
  readonly protoAction: ProtoAction
}

/** The defaults: 1 MiB, gzip/deflate/br, no custom parsers, proto keys refused. */
export const DEFAULT_BODY: BodySettings = Object.freeze({
  limits: DEFAULT_LIMITS,
  decoders: DEFAULT_DECODERS,
  parsers: undefined,
  protoAction: 'error',
})

/** Merges options over a base, checking each (TypeError on a bad one). */
export function resolveBody(options: BodyOptions | undefined, base: BodySettings = DEFAULT_BODY): BodySettings {
  if (options === undefined) return base
  if (typeof options !== 'object' || options === null) throw new TypeError('body options must be an object')
  return Object.freeze({
    limits: resolveLimits(options.limits, base.limits),
    decoders: resolveDecoders(options.decoders, base.decoders),
    parsers: resolveParsers(options.parsers, base.parsers),
    protoAction: options.protoAction === undefined ? base.protoAction : checkProtoAction(options.protoAction),
  })
}

function resolveParsers(extra: BodyParsers | undefined, base: BodyParsers | undefined): BodyParsers | undefined {
  if (extra === undefined) return base
  if (typeof extra !== 'object' || extra === null) throw new TypeError('parsers must be an object of media type → function | false')
  const out: Record<string, BodyParser | false> = { ...base }
  for (const [type, p] of Object.entries(extra)) {
    if (p !== false && typeof p !== 'function') throw new TypeError(`parsers["${type}"] must be a function or false`)
    if (!/^(?:\*\/\*|[\w.+-]+\/(?:\*|[\w.+-]+))$/.test(type)) throw new TypeError(`parsers: "${type}" is not a media type (type/subtype, type/* or */*)`)
    out[type.toLowerCase()] = p
  }
  return Object.freeze(out)
}

/** The custom parser for a media type: exact, then `type/*`, then `*\/*`. */
export function parserFor(parsers: BodyParsers | undefined, type: string): BodyParser | false | undefined {
  if (parsers === undefined) return undefined
  if (Object.hasOwn(parsers, type)) return parsers[type]
  const wild = `${type.slice(0, type.indexOf('/'))}/*`
  if (Object.hasOwn(parsers, wild)) return parsers[wild]
  return Object.hasOwn(parsers, '*/*') ? parsers['*/*'] : undefined
}
