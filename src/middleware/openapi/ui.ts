/** The browsable page: Swagger UI from the `swagger-ui-dist` package, served by the app itself. */
import type { Group } from '../../index.js'
import { requireOptional } from '../../utils/optional.js'

/** The assets the page loads, and only those: `/docs/<name>`. */
const ASSETS = ['swagger-ui.css', 'index.css', 'swagger-ui-bundle.js', 'swagger-ui-standalone-preset.js', 'favicon-32x32.png', 'favicon-16x16.png']

/** The folder of the installed `swagger-ui-dist`; throws `ERR_MISSING_DEPENDENCY` when it is not installed. */
export function swaggerUiDir(): string {
  const abs = requireOptional<() => string>('swagger-ui-dist/absolute-path.js', 'openapi() ui page')
  return abs()
}

/** Registers the page at `ui` (HTML), its start script and its assets under `ui/`. */
export function mountUi(app: Group, ui: string, jsonPath: string, title: string, dir: string): string[] {
  const page = html(ui, title)
  const init = `window.ui = SwaggerUIBundle({ url: ${JSON.stringify(jsonPath)}, dom_id: '#swagger-ui', deepLinking: true, presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], layout: 'StandaloneLayout' })\n`
  app.get(ui, (c) => c.html(page))
  // A start script of its own, not inline, so a strict Content-Security-Policy (weir/secure-headers) allows the page.
  app.get(`${ui}/init.js`, (c) => c.header('content-type', 'text/javascript; charset=utf-8').body(init))
  app.get(`${ui}/:asset` as string, async (c) => {
    if (!ASSETS.includes(c.params.asset)) c.throw(404, `No file ${c.params.asset} in the API docs page`, { code: 'ERR_NOT_FOUND' })
    await c.file(c.params.asset, { root: dir, maxAge: 3600 })
  })
  return [ui, `${ui}/init.js`, `${ui}/:asset`]
}

function html(ui: string, title: string): string {
  const esc = title.replace(/[&<>"]/g, (ch) => `&#${ch.charCodeAt(0)};`)
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc}</title>
<link rel="stylesheet" href="${ui}/swagger-ui.css">
<link rel="stylesheet" href="${ui}/index.css">
<link rel="icon" type="image/png" href="${ui}/favicon-32x32.png" sizes="32x32">
</head>
<body>
<div id="swagger-ui"></div>
<script src="${ui}/swagger-ui-bundle.js"></script>
<script src="${ui}/swagger-ui-standalone-preset.js"></script>
<script src="${ui}/init.js"></script>
</body>
</html>
`
}
