/** Server-rendered views (`weir/views`): templates in a directory, rendered with eta or handlebars. */
import type { Context } from '../../core/context.js'
import { resolveMode } from '../../utils/mode.js'
import type { TemplateFunction, ViewEngine } from './engine.js'
import { etaEngine } from './eta.js'
import { handlebarsEngine } from './handlebars.js'
import { Loader } from './loader.js'
import { renderError } from './render-error.js'

export type { TemplateFunction, TemplateLoader, ViewEngine } from './engine.js'
export { TemplateError } from './engine.js'
export { etaEngine, type EtaEngineOptions, type EtaInstance } from './eta.js'
export { handlebarsEngine, type HandlebarsEngineOptions, type HandlebarsHelper, type HandlebarsInstance } from './handlebars.js'

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

/** Options of one render. */
export interface ViewRenderOptions {
  /** The response status. Default: unchanged (200). */
  status?: number
  /** A layout for this page, or `false` for none. Default: the views' `layout`. */
  layout?: string | false
}

/** Renders templates from a directory; made by {@link createViews}. */
export interface Views {
  /**
   * Renders a template into the response: `Content-Type: text/html; charset=utf-8`, the status if given.
   * Resolves with the context, so a handler can `return` it. A name leaving the directory is 400
   * `ERR_VIEW_BAD_NAME`, a missing template 404 `ERR_VIEW_NOT_FOUND`, a failing one 500 `ERR_VIEW_RENDER`.
   */
  render(c: Context, name: string, data?: object, options?: ViewRenderOptions): Promise<Context>
  /** Renders a template to a string (an email, a fragment). The mode is `WEIR_MODE`'s unless `cache` was given. */
  renderToString(name: string, data?: object, options?: Omit<ViewRenderOptions, 'status'>): Promise<string>
}

const HTML_TYPE = 'text/html; charset=utf-8'

/**
 * Server-rendered views. Output is escaped by default (eta `<%= %>`, handlebars `{{ }}`); the data you pass
 * is only ever the template's data, never engine options.
 *
 * @example
 * const views = createViews({ dir: new URL('./views', import.meta.url).pathname, layout: 'layout' })
 * app.get('/users/:id', async (c) => views.render(c, 'users/show', { user: await users.get(c.params.id) }))
 */
export function createViews(options: ViewsOptions): Views {
  if (typeof options !== 'object' || options === null) throw new TypeError('createViews: options with a dir are required')
  const engine = pickEngine(options.engine ?? 'eta')
  const loader = new Loader(options.dir, engine.extension)
  const layout = checkLayout(options.layout ?? false, 'layout')
  if (layout !== false) checkName(loader, layout)
  if (options.cache !== undefined && typeof options.cache !== 'boolean') throw new TypeError('createViews: cache must be a boolean')
  const compiled = new Map<string, TemplateFunction>()

  const template = (file: string): TemplateFunction => {
    let fn = compiled.get(file)
    if (fn === undefined) {
      fn = engine.compile(file, loader)
      compiled.set(file, fn)
    }
    return fn
  }

  const run = async (file: string, data: object): Promise<string | AsyncIterable<string>> => {
    try {
      return await template(file)(data as Record<string, unknown>)
    } catch (err) {
      throw renderError(err, loader.dir, file)
    }
  }

  // The layout is the app's choice, not the client's: a bad or missing one is a 500, like a broken include.
  const wrap = async (name: string, data: object, page: string | AsyncIterable<string>) => {
    let file: string
    try {
      file = loader.resolve(name)
    } catch (err) {
      throw renderError(err, loader.dir, loader.dir)
    }
    // The layout sees the page's data and its HTML as `body`: still data, never options.
    return run(file, { ...data, body: await collect(page) })
  }

  const renderName = async (name: string, data: object, pageLayout: string | false, cache: boolean) => {
    if (typeof data !== 'object' || data === null) throw new TypeError('views.render: data must be an object')
    if (!cache && (await loader.changed())) {
      compiled.clear()
      engine.reset?.()
    }
    const file = loader.resolve(name)
    // The page itself missing is the client's 404 (and a symlink out a 400); anything wrong past it is a 500.
    if (!compiled.has(file)) loader.real(file)
    const page = await run(file, data)
    return pageLayout === false ? page : wrap(pageLayout, data, page)
  }

  const cacheFor = (mode: string): boolean => options.cache ?? mode === 'release'

  return {
    async render(c, name, data = {}, opts = {}) {
      const html = await renderName(name, data, pageLayoutOf(opts, layout), cacheFor(c.mode))
      if (opts.status !== undefined) c.status(opts.status)
      if (typeof html === 'string') return c.html(html)
      c.header('content-type', HTML_TYPE)
      return c.body(html)
    },
    async renderToString(name, data = {}, opts = {}) {
      return collect(await renderName(name, data, pageLayoutOf(opts, layout), cacheFor(resolveMode())))
    },
  }
}

function pickEngine(engine: 'eta' | 'handlebars' | ViewEngine): ViewEngine {
  if (engine === 'eta') return etaEngine()
  if (engine === 'handlebars') return handlebarsEngine()
  if (typeof engine !== 'object' || engine === null || typeof engine.compile !== 'function' || typeof engine.extension !== 'string') {
    throw new TypeError(`createViews: engine must be 'eta', 'handlebars' or an object with extension and compile(), got ${String(engine)}`)
  }
  return engine
}

function checkLayout(layout: unknown, where: string): string | false {
  if (layout === false || (typeof layout === 'string' && layout !== '')) return layout
  throw new TypeError(`createViews: ${where} must be a template name or false`)
}

function checkName(loader: Loader, name: string): void {
  try {
    loader.resolve(name)
  } catch (err) {
    throw new TypeError(`createViews: layout: ${(err as Error).message}`)
  }
}

function pageLayoutOf(opts: ViewRenderOptions, fallback: string | false): string | false {
  return opts.layout === undefined ? fallback : checkLayout(opts.layout, 'the layout of a render')
}

async function collect(html: string | AsyncIterable<string>): Promise<string> {
  if (typeof html === 'string') return html
  let out = ''
  for await (const chunk of html) out += chunk
  return out
}
