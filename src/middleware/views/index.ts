/** Server-rendered views (`weir/views`): templates in a directory, rendered with eta or handlebars. */
import type { Context } from '../../core/context.js'
import type { ViewEngine } from './engine.js'
import { etaEngine } from './eta.js'
import { handlebarsEngine } from './handlebars.js'
import { Loader } from './loader.js'
import { ViewSet, type ViewRenderOptions, checkLayout } from './views.js'

export type { TemplateFunction, TemplateLoader, ViewEngine } from './engine.js'
export { TemplateError } from './engine.js'
export { etaEngine, type EtaEngineOptions, type EtaInstance } from './eta.js'
export { handlebarsEngine, type HandlebarsEngineOptions, type HandlebarsHelper, type HandlebarsInstance } from './handlebars.js'
export type { ViewRenderOptions } from './views.js'

/** Options of {@link createViews}. */
export interface ViewsOptions {
  /** The views directory; template names are relative to it and never resolve outside it. Required. */
  dir: string
  /** `'eta'` (default), `'handlebars'`, or an engine (`etaEngine({…})`, `handlebarsEngine({…})`, your own). */
  engine?: 'eta' | 'handlebars' | ViewEngine
  /** A layout template wrapping every page, which gets the page's data plus `body` (the page's HTML). Default none. */
  layout?: string | false
  /**
   * Keep compiled templates without checking their files. Default: on in release mode (`app.mode`), off
   * otherwise — then each render checks the files it used and recompiles after an edit.
   */
  cache?: boolean
}

/** Renders templates from a directory; made by {@link createViews}. */
export interface Views {
  /**
   * Renders a template into the response: `Content-Type: text/html; charset=utf-8`, the status if given.
   * Resolves with the context, so a handler can `return` it. A name leaving the directory is 400
   * `ERR_VIEW_BAD_NAME`, a missing template 404 `ERR_VIEW_NOT_FOUND`, a failing one 500 `ERR_VIEW_RENDER`.
   *
   * @example
   * app.get('/', (c) => views.render(c, 'home', { title: 'Home' }))
   */
  render(c: Context, name: string, data?: object, options?: ViewRenderOptions): Promise<Context>
  /**
   * Renders a template to a string (an email, a fragment). Caching follows `WEIR_MODE` unless `cache` was given.
   *
   * @example
   * const html = await views.renderToString('mail/welcome', { user }, { layout: false })
   */
  renderToString(name: string, data?: object, options?: Omit<ViewRenderOptions, 'status'>): Promise<string>
}

/**
 * Server-rendered views. Output is escaped by default (eta `<%= %>`, handlebars `{{ }}`); the data you pass
 * is only ever the template's data, never engine options. Bad options throw a `TypeError` here.
 *
 * @example
 * const views = createViews({ dir: fileURLToPath(new URL('./views', import.meta.url)), layout: 'layout' })
 * app.get('/users/:id', async (c) => views.render(c, 'users/show', { user: await users.get(c.params.id) }))
 */
export function createViews(options: ViewsOptions): Views {
  if (typeof options !== 'object' || options === null) throw new TypeError('createViews: options with a dir are required')
  const engine = pickEngine(options.engine ?? 'eta')
  const loader = new Loader(options.dir, engine.extension)
  const layout = checkLayout(options.layout ?? false, 'createViews: layout')
  if (layout !== false) checkName(loader, layout)
  if (options.cache !== undefined && typeof options.cache !== 'boolean') throw new TypeError('createViews: cache must be a boolean')
  return new ViewSet(engine, loader, layout, options.cache)
}

function pickEngine(engine: 'eta' | 'handlebars' | ViewEngine): ViewEngine {
  if (engine === 'eta') return etaEngine()
  if (engine === 'handlebars') return handlebarsEngine()
  if (typeof engine !== 'object' || engine === null || typeof engine.compile !== 'function' || typeof engine.extension !== 'string') {
    throw new TypeError(`createViews: engine must be 'eta', 'handlebars' or an object with extension and compile(), got ${String(engine)}`)
  }
  return engine
}

function checkName(loader: Loader, name: string): void {
  try {
    loader.resolve(name)
  } catch (err) {
    throw new TypeError(`createViews: layout: ${(err as Error).message}`)
  }
}
