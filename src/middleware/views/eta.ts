/** The eta adapter (the default engine): `<%= it.x %>` escaped, `<%~ include('./part') %>`, `<% layout('./layout') %>`. */
import type { Eta } from 'eta'
import { requireOptional } from '../../utils/optional.js'
import { TemplateError, type TemplateFunction, type TemplateLoader, type ViewEngine } from './engine.js'

/**
 * The part of eta's `Eta` instance that `configure` is given, typed here so weir's declarations do not need
 * eta's (an app with only handlebars installed still type-checks). Cast to `Eta` for the rest.
 */
export interface EtaInstance {
  /** Merges eta settings: `autoTrim`, `tags`, `plugins`, `filterFunction`, … */
  configure(config: Record<string, unknown>): void
}

/** Options of {@link etaEngine}. */
export interface EtaEngineOptions {
  /** The extension of template files, added to names not ending with it. Default `.eta`. */
  extension?: string
  /**
   * Changes the eta instance after weir set it up (filters, plugins, tags): `eta.configure({ … })`. Leave
   * `autoEscape` on; file resolution, reading and caching are weir's and are set after this runs.
   */
  configure?: (eta: EtaInstance) => void
}

type Compile = Eta['compile']

/**
 * The eta engine. Escaping is on (`<%= %>` escapes, `<%~ %>` writes raw); templates are compiled with line
 * tracking (eta's `debug`), so an error names its file and line in every mode. eta renders to a string: no
 * streaming.
 *
 * @example
 * const views = createViews({ dir: 'views', engine: etaEngine({ configure: (eta) => eta.configure({ autoTrim: false }) }) })
 */
export function etaEngine(options: EtaEngineOptions = {}): ViewEngine {
  const extension = options.extension ?? '.eta'
  if (!extension.startsWith('.')) throw new TypeError('etaEngine: extension must start with a dot, like ".eta"')
  const { Eta } = requireOptional<typeof import('eta')>('eta', 'createViews() with the eta engine')
  const instances = new WeakMap<TemplateLoader, Eta>()
  const instance = (loader: TemplateLoader): Eta => {
    let eta = instances.get(loader)
    if (eta === undefined) {
      eta = setUp(new Eta({ autoEscape: true, cache: true, debug: true }), loader, options.configure)
      instances.set(loader, eta)
    }
    return eta
  }
  const all = new Set<Eta>()
  return {
    extension,
    compile(file, loader) {
      const eta = instance(loader)
      all.add(eta)
      const fn = eta.compile(loader.read(file), { filepath: file })
      // The data is only ever the template's `it`; eta's options hold weir's file path and nothing else.
      return ((data) => fn.call(eta, data, { filepath: file, async: false })) satisfies TemplateFunction
    },
    reset() {
      for (const eta of all) eta.templatesSync.reset()
    },
  }
}

function setUp(eta: Eta, loader: TemplateLoader, configure: EtaEngineOptions['configure']): Eta {
  configure?.(eta as EtaInstance)
  eta.configure({ cache: true, debug: true, cacheFilepaths: false })
  // eta's own resolution is replaced: includes and layouts go through the loader, which stays inside the dir.
  eta.resolvePath = (name, opts) => loader.resolve(name, opts?.filepath)
  eta.readFile = (file) => loader.read(file)
  const compile: Compile = eta.compile
  eta.compile = function located(this: Eta, source, opts) {
    try {
      return compile.call(this, source, opts)
    } catch (err) {
      throw new TemplateError(opts?.filepath ?? '(template)', parseLine(err), shortSyntaxError(err))
    }
  } as Compile
  return eta
}

// eta's parse errors say "… at line 3 col 7"; its syntax errors (from `new Function`) carry no line.
function parseLine(err: unknown): number | undefined {
  const m = /at line (\d+) col \d+/.exec(err instanceof Error ? err.message : '')
  return m ? Number(m[1]) : undefined
}

// eta's syntax error message carries the whole generated function; the JS engine's reason is its third line.
function shortSyntaxError(err: unknown): unknown {
  if (!(err instanceof Error) || !err.message.startsWith('Bad template syntax')) return err
  return new Error(`Bad template syntax: ${err.message.split('\n')[2] ?? ''}`)
}
