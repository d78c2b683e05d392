/** The views object behind `createViews`: compiled templates, the change check, layouts, the response. */
import type { Context } from '../../core/context.js'
import { resolveMode } from '../../utils/mode.js'
import type { TemplateFunction, ViewEngine } from './engine.js'
import type { Loader } from './loader.js'
import { renderError } from './render-error.js'

/** Options of one render. */
export interface ViewRenderOptions {
  /** The response status. Default: unchanged (200). */
  status?: number
  /** A layout for this page, or `false` for none. Default: the views' `layout`. */
  layout?: string | false
}

type Html = string | AsyncIterable<string>

const HTML_TYPE = 'text/html; charset=utf-8'

/** Renders templates from one directory with one engine. */
export class ViewSet {
  readonly #engine: ViewEngine
  readonly #loader: Loader
  readonly #layout: string | false
  readonly #cache: boolean | undefined
  readonly #compiled = new Map<string, TemplateFunction>()

  constructor(engine: ViewEngine, loader: Loader, layout: string | false, cache: boolean | undefined) {
    this.#engine = engine
    this.#loader = loader
    this.#layout = layout
    this.#cache = cache
  }

  async render(c: Context, name: string, data: object = {}, options: ViewRenderOptions = {}): Promise<Context> {
    const html = await this.#page(name, data, layoutOf(options, this.#layout), this.#cache ?? c.mode === 'release')
    if (options.status !== undefined) c.status(options.status)
    if (typeof html === 'string') return c.html(html)
    c.header('content-type', HTML_TYPE)
    return c.body(html)
  }

  async renderToString(name: string, data: object = {}, options: Omit<ViewRenderOptions, 'status'> = {}): Promise<string> {
    return collect(await this.#page(name, data, layoutOf(options, this.#layout), this.#cache ?? resolveMode() === 'release'))
  }

  async #page(name: string, data: object, layout: string | false, cache: boolean): Promise<Html> {
    if (typeof data !== 'object' || data === null) throw new TypeError('views.render: data must be an object')
    if (!cache && (await this.#loader.changed())) {
      this.#compiled.clear()
      this.#engine.reset?.()
    }
    const file = this.#loader.resolve(name)
    // The page itself missing is the client's 404 (and a symlink out a 400); anything wrong past it is a 500.
    if (!this.#compiled.has(file)) this.#loader.real(file)
    const page = await this.#run(file, data)
    return layout === false ? page : this.#wrap(layout, data, page)
  }

  // The layout is the app's choice, not the client's: a bad or missing one is a 500, like a broken include.
  async #wrap(layout: string, data: object, page: Html): Promise<Html> {
    let file: string
    try {
      file = this.#loader.resolve(layout)
    } catch (err) {
      throw renderError(err, this.#loader.dir, this.#loader.dir)
    }
    // The layout sees the page's data and its HTML as `body`: still data, never options.
    return this.#run(file, { ...data, body: await collect(page) })
  }

  async #run(file: string, data: object): Promise<Html> {
    try {
      return await this.#template(file)(data as Record<string, unknown>)
    } catch (err) {
      throw renderError(err, this.#loader.dir, file)
    }
  }

  #template(file: string): TemplateFunction {
    let fn = this.#compiled.get(file)
    if (fn === undefined) {
      fn = this.#engine.compile(file, this.#loader)
      this.#compiled.set(file, fn)
    }
    return fn
  }
}

/** A layout name or `false`; anything else is a `TypeError`. */
export function checkLayout(layout: unknown, where: string): string | false {
  if (layout === false || (typeof layout === 'string' && layout !== '')) return layout
  throw new TypeError(`${where} must be a template name or false`)
}

function layoutOf(options: ViewRenderOptions, fallback: string | false): string | false {
  return options.layout === undefined ? fallback : checkLayout(options.layout, 'views.render: layout')
}

async function collect(html: Html): Promise<string> {
  if (typeof html === 'string') return html
  let out = ''
  for await (const chunk of html) out += chunk
  return out
}
