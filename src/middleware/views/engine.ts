/** The view engine interface: what an adapter (eta, handlebars, your own) implements for `createViews`. */

/**
 * A compiled template: data in, HTML out — a string, a promise of one, or an async iterable of chunks for an
 * engine that streams (the response is then streamed).
 */
export type TemplateFunction = (data: Record<string, unknown>) => string | Promise<string> | AsyncIterable<string>

/** How an engine finds and reads template files; names never resolve outside the views directory. */
export interface TemplateLoader {
  /** The views directory (absolute, symlinks resolved). */
  readonly dir: string
  /**
   * The absolute file of a template name. `name` is relative to the views directory; inside a template, a name
   * starting with `./` or `../` is relative to the including file `from`. The engine's extension is added unless
   * the name ends with it, so only template files are ever read. A name leaving the directory, an absolute path or a NUL byte throws `ERR_VIEW_BAD_NAME`.
   */
  resolve(name: string, from?: string): string
  /** Reads a template file as UTF-8 and notes it, so an edit is seen in debug mode; a missing file throws `ERR_VIEW_NOT_FOUND`. */
  read(file: string): string
}

/**
 * A template engine adapter. `compile` is called once per template file (again after the file changed in
 * debug mode); partials and layouts it includes are read through the loader.
 *
 * @example
 * const upper: ViewEngine = {
 *   extension: '.txt',
 *   compile: (file, loader) => {
 *     const source = loader.read(file)
 *     return (data) => source.replace('{name}', escapeHtml(String(data.name)))
 *   },
 * }
 */
export interface ViewEngine {
  /** The extension of template files (`.eta`, `.hbs`), added to names not ending with it. */
  readonly extension: string
  /** Compiles the template at `file` (absolute, inside the views directory). */
  compile(file: string, loader: TemplateLoader): TemplateFunction
  /** Forgets what the engine cached itself (called when a template file changed). */
  reset?(): void
}

/**
 * An error in a template, located: the file (absolute) and, when known, the line. Engines throw it (or let
 * `createViews` locate the engine's own error); the response is a 500 `ERR_VIEW_RENDER` naming `file:line`.
 *
 * @example
 * throw new TemplateError('/app/views/home.eta', 3, new Error('x is not defined'))
 */
export class TemplateError extends Error {
  readonly file: string
  readonly line: number | undefined

  constructor(file: string, line: number | undefined, cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause })
    this.name = 'TemplateError'
    this.file = file
    this.line = line
  }
}
