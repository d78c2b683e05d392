/** The handlebars adapter: `{{x}}` escaped, `{{{x}}}` raw, `{{> partials/header}}` and `{{#> layouts/main}}…{{/layouts/main}}`. */
import type { HelperDelegate, TemplateDelegate } from 'handlebars'
import { requireOptional } from '../../utils/optional.js'
import { TemplateError, type TemplateFunction, type TemplateLoader, type ViewEngine } from './engine.js'

type Handlebars = typeof import('handlebars')
type Partials = Record<string, TemplateDelegate>

/** A handlebars helper: its arguments, then handlebars' options object. */
export type HandlebarsHelper = (...args: never[]) => unknown

/**
 * The part of a handlebars environment that `configure` is given, typed here so weir's declarations do not
 * need handlebars' (an app with only eta installed still type-checks). Cast to `typeof Handlebars` for the rest.
 */
export interface HandlebarsInstance {
  registerHelper(name: string, helper: HandlebarsHelper): void
  /** A partial by name, not read from the views directory; a template's `{{> name}}` then uses it. */
  registerPartial(name: string, partial: string): void
}

/** Options of {@link handlebarsEngine}. */
export interface HandlebarsEngineOptions {
  /** The extension of template files, added to names not ending with it. Default `.hbs`. */
  extension?: string
  /** Helpers, registered on this engine's own handlebars environment. Default none. */
  helpers?: Record<string, HandlebarsHelper>
  /** Changes the engine's handlebars environment (`hb.registerPartial` for dynamic partials, decorators). */
  configure?: (hb: HandlebarsInstance) => void
}

/**
 * The handlebars engine, on its own environment (`Handlebars.create()`): helpers registered here do not leak
 * into other code using handlebars. Partials named in a template (`{{> partials/header}}`, partial blocks
 * included, which make layouts) are read from the views directory, names relative to it. Prototype access
 * stays off (handlebars' default). Renders to a string: no streaming.
 *
 * @example
 * const views = createViews({ dir: 'views', engine: handlebarsEngine({ helpers: { upper: (s: string) => s.toUpperCase() } }) })
 */
export function handlebarsEngine(options: HandlebarsEngineOptions = {}): ViewEngine {
  const extension = options.extension ?? '.hbs'
  if (!extension.startsWith('.')) throw new TypeError('handlebarsEngine: extension must start with a dot, like ".hbs"')
  const hb = requireOptional<Handlebars>('handlebars', 'createViews() with the handlebars engine').create()
  for (const [name, helper] of Object.entries(options.helpers ?? {})) hb.registerHelper(name, helper as HelperDelegate)
  options.configure?.(hb as unknown as HandlebarsInstance)
  return {
    extension,
    compile(file, loader) {
      const partials: Partials = Object.create(null)
      const template = compileFile(hb, file, loader, partials)
      return ((data) => template(data, { partials })) satisfies TemplateFunction
    },
  }
}

function compileFile(hb: Handlebars, file: string, loader: TemplateLoader, partials: Partials): TemplateDelegate {
  const source = loader.read(file)
  let ast: hbs.AST.Program
  try {
    ast = hb.parse(source)
  } catch (err) {
    throw new TemplateError(file, parseLine(err), err)
  }
  for (const name of partialNames(ast)) {
    // Registered with `configure` (hb.registerPartial): handlebars finds it itself.
    if (name in partials || Object.hasOwn(hb.partials, name)) continue
    let compiled: TemplateDelegate | undefined
    // Set before compiling, so a partial including itself (a tree) finds its own name.
    partials[name] = (context, opts) => (compiled as TemplateDelegate)(context, opts)
    compiled = compileFile(hb, loader.resolve(name), loader, partials)
  }
  return located(hb.compile(ast), file)
}

// handlebars compiles on first call: compile and runtime errors both surface here, tagged with the file.
function located(template: TemplateDelegate, file: string): TemplateDelegate {
  return (context, opts) => {
    try {
      return template(context, opts)
    } catch (err) {
      if (err instanceof TemplateError) throw err
      const line = (err as { lineNumber?: unknown }).lineNumber
      throw new TemplateError(file, typeof line === 'number' ? line : undefined, err)
    }
  }
}

/** Static partial names a template uses (`{{> name}}`, `{{#> name}}`); `@partial-block` and `{{> (expr)}}` are not files. */
function partialNames(node: unknown, out = new Set<string>()): Set<string> {
  if (typeof node !== 'object' || node === null) return out
  if (Array.isArray(node)) {
    for (const n of node) partialNames(n, out)
    return out
  }
  const n = node as { type?: string; name?: { type?: string; original?: unknown; data?: boolean } }
  if ((n.type === 'PartialStatement' || n.type === 'PartialBlockStatement') && n.name?.type === 'PathExpression' && !n.name.data) {
    out.add(String(n.name.original))
  }
  for (const [key, value] of Object.entries(node)) if (key !== 'loc') partialNames(value, out)
  return out
}

function parseLine(err: unknown): number | undefined {
  const m = /on line (\d+)/.exec(err instanceof Error ? err.message : '')
  return m ? Number(m[1]) : undefined
}
