// What a user gets from `npm install weir`: a fresh copy of the repository is packed (prepack builds it), the
// tarball installed into an empty project without the optional packages, and used from ESM, CommonJS and
// TypeScript. Slow by nature (a build, a pack, an install, three type checks): one shared setup.
import assert from 'node:assert/strict'
import { execFileSync, spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { after, before, describe, it } from 'node:test'

const repo = resolve(import.meta.dirname, '../..')
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
const tsc = join(repo, 'node_modules', '.bin', 'tsc')
const slow = { timeout: 180_000 }

let tmp = ''
let app = '' // the user's project, with weir installed from the tarball
let files: string[] = [] // the tarball's entries, without the leading `package/`
// weir/inspector serves these files itself: the build copies them next to its module.
const INSPECTOR_PAGE = ['index.html', 'inspector.css', 'inspector.js'].map((f) => `dist/middleware/inspector/page/${f}`)

function run(cmd: string, args: string[], cwd: string): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_update_notifier: 'false' } })
}

/** Runs a file of the user's project with this process's Node; the result, failing or not. */
function node(file: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [file], { cwd: app, encoding: 'utf8' })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

function write(file: string, text: string): string {
  const p = join(app, file)
  mkdirSync(dirname(p), { recursive: true })
  writeFileSync(p, text)
  return p
}

describe('the packed package', () => {
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'weir-pack-'))
    // A fresh clone: the tracked and new files of the working tree, no dist, the repo's node_modules.
    const clone = join(tmp, 'clone')
    const tracked = run('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], repo).split('\0')
    for (const f of tracked) {
      if (f !== '' && f !== 'node_modules' && existsSync(join(repo, f))) cpSync(join(repo, f), join(clone, f))
    }
    symlinkSync(join(repo, 'node_modules'), join(clone, 'node_modules'), 'dir')
    // prepack builds dist here; the JSON report follows whatever the build printed.
    const out = run(npm, ['pack', '--json', '--pack-destination', tmp], clone)
    const packed = JSON.parse(out.slice(Math.max(0, out.indexOf('[\n')))) as Array<{ filename: string; files: Array<{ path: string }> }>
    files = packed[0]!.files.map((f) => f.path)
    app = join(tmp, 'app')
    mkdirSync(app)
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'user-app', private: true, type: 'module' }))
    run(npm, ['install', '--prefer-offline', '--no-audit', '--no-fund', join(tmp, packed[0]!.filename)], app)
  }, slow)

  after(() => {
    if (tmp !== '') rmSync(tmp, { recursive: true, force: true })
  })

  it('ships the built dist, LICENSE and README, and not the sources or tests', () => {
    for (const f of ['package.json', 'LICENSE', 'README.md', 'dist/index.js', 'dist/index.d.ts', 'dist/middleware/logger/index.js']) {
      assert.ok(files.includes(f), `the tarball lacks ${f}`)
    }
    assert.deepEqual(
      files.filter((f) => !/^dist\/.+\.(js|d\.ts)$/.test(f) && !INSPECTOR_PAGE.includes(f) && !['package.json', 'LICENSE', 'README.md'].includes(f)),
      [],
    )
  })

  it('has no source map pointing at a file it does not ship', () => {
    const shipped = new Set(files)
    for (const f of files.filter((f) => f.endsWith('.map'))) {
      const map = JSON.parse(readFileSync(join(app, 'node_modules/weir', f), 'utf8')) as { sources: string[] }
      for (const s of map.sources) assert.ok(shipped.has(join(dirname(f), s)), `${f} points at ${s}, which is not in the package`)
    }
    for (const f of files.filter((f) => f.endsWith('.js'))) {
      const url = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(readFileSync(join(app, 'node_modules/weir', f), 'utf8'))?.[1]
      if (url !== undefined) assert.ok(shipped.has(join(dirname(f), url)), `${f} names the map ${url}, which is not in the package`)
    }
  })

  it('keeps @internal members out of the declarations', () => {
    const dts = files.filter((f) => f.endsWith('.d.ts'))
    for (const f of dts) {
      const line = readFileSync(join(app, 'node_modules/weir', f), 'utf8').split('\n').find((l) => l.includes('@internal'))
      assert.equal(line, undefined, `${f} keeps an @internal declaration: ${line}`)
    }
    // Each name marked @internal in src is not declared in its file's .d.ts.
    for (const { file, name } of internalNames(join(repo, 'src'))) {
      const d = join(app, 'node_modules/weir/dist', file.replace(/\.ts$/, '.d.ts'))
      if (!existsSync(d)) continue
      const declared = new RegExp(`^\\s*(export )?(declare )?(readonly )?((function|class|const|interface|type) )?${name}\\??[\\s(:<;]`, 'm')
      assert.equal(declared.exec(readFileSync(d, 'utf8'))?.[0], undefined, `${file}: ${name} is @internal`)
    }
    const app_ = readFileSync(join(app, 'node_modules/weir/dist/core/app.d.ts'), 'utf8')
    for (const name of ['finished', 'failedEarly', 'respondFailed']) assert.doesNotMatch(app_, new RegExp(`\\b${name}\\(`))
  })

  it('ships the inspector page, which the packed weir/inspector serves', () => {
    for (const f of INSPECTOR_PAGE) assert.ok(files.includes(f), `the tarball lacks ${f}`)
    write(
      'inspector.mjs',
      `import { createApp } from 'weir'
import { inspector } from 'weir/inspector'
const app = createApp({ mode: 'debug', logger: { debug() {}, info() {}, warn() {}, error() {} } })
app.use(inspector())
const out = []
for (const p of ['/_weir', '/_weir/inspector.js', '/_weir/inspector.css']) {
  const res = await app.request(p)
  out.push(res.status + ' ' + (await res.text()).length)
}
console.log(out.join(','))
`,
    )
    const r = node('inspector.mjs')
    assert.equal(r.status, 0, r.stderr)
    for (const part of r.stdout.trim().split(',')) assert.match(part, /^200 [1-9]\d{2,}$/, r.stdout)
  })

  it('installs without pino, prom-client or busboy', () => {
    const installed = readdirSync(join(app, 'node_modules'))
    for (const name of ['pino', 'prom-client', 'busboy', 'fresh', 'range-parser']) assert.ok(!installed.includes(name), `${name} was installed`)
  })

  it('runs an ESM app: import, route, in-memory request', () => {
    write(
      'esm.mjs',
      `import { createApp } from 'weir'
const app = createApp({ mode: 'test' })
app.get('/hello/:name', (c) => ({ hello: c.params.name }))
const res = await app.request('/hello/packed')
console.log(res.status, await res.text())
`,
    )
    const r = node('esm.mjs')
    assert.equal(r.status, 0, r.stderr)
    assert.equal(r.stdout.trim(), '200 {"hello":"packed"}')
  })

  it('loads with require() where Node can require ES modules, else says to use import()', () => {
    write(
      'cjs.cjs',
      `const { createApp } = require('weir')
const { etag } = require('weir/etag')
const app = createApp({ mode: 'test' })
app.use(etag())
app.get('/', () => 'from require')
app.request('/').then(async (res) => console.log(res.headers.has('etag'), await res.text()))
`,
    )
    const r = node('cjs.cjs')
    if (process.features.require_module) {
      assert.equal(r.status, 0, r.stderr)
      assert.equal(r.stdout.trim(), 'true from require')
    } else {
      assert.notEqual(r.status, 0)
      assert.match(r.stderr, /ERR_REQUIRE_ESM|import\(\)/)
    }
  })

  it('imports weir/logger and runs recommended() without pino or prom-client; createLogger() and metrics() name what to install', () => {
    write(
      'optional.mjs',
      `import { createApp } from 'weir'
import { createLogger } from 'weir/logger'
import { metrics } from 'weir/metrics'
import { recommended } from 'weir/recommended'
const out = {}
const lines = []
const log = { level: 'info', child: () => log, debug() {}, info(o) { lines.push(o) }, warn() {}, error() {}, fatal() {}, trace() {} }
const app = createApp({ mode: 'test', logger: log })
app.use(...recommended())
const codes = []
app.onEvent('error', (err) => codes.push(err.code))
app.get('/', () => 'ok')
app.post('/upload', async (c) => (await c.req.multipart()).fields)
out.get = await (await app.request('/')).text()
// The access line is written when the response closes, a few turns after the request resolves.
for (let i = 0; i < 1000 && lines.length === 0; i++) await new Promise((r) => setImmediate(r))
out.logged = lines.length > 0 && lines[0].status === 200
const form = new FormData()
form.set('a', 'b')
out.upload = (await app.request('/upload', { method: 'POST', body: form })).status
out.uploadCodes = codes
for (const [name, make] of [['createLogger', () => createLogger()], ['metrics', () => metrics()]]) {
  try {
    make()
    out[name] = 'no error'
  } catch (err) {
    out[name] = { code: err.code, message: err.message }
  }
}
console.log(JSON.stringify(out))
`,
    )
    const r = node('optional.mjs')
    assert.equal(r.status, 0, r.stderr)
    const out = JSON.parse(r.stdout)
    assert.equal(out.get, 'ok')
    assert.equal(out.logged, true)
    assert.equal(out.upload, 500)
    assert.deepEqual(out.uploadCodes, ['ERR_MISSING_DEPENDENCY'])
    assert.equal(out.createLogger.code, 'ERR_MISSING_DEPENDENCY')
    assert.match(out.createLogger.message, /createLogger\(\) needs the package "pino".*npm install pino/)
    assert.equal(out.metrics.code, 'ERR_MISSING_DEPENDENCY')
    assert.match(out.metrics.message, /npm install prom-client/)
  })

  for (const [mode, options] of [
    ['NodeNext', { module: 'NodeNext', moduleResolution: 'NodeNext' }],
    ['Bundler', { module: 'ESNext', moduleResolution: 'Bundler' }],
  ] as const) {
    it(`type-checks an app under module resolution ${mode}, library declarations included`, slow, () => {
      const dir = join(app, `ts-${mode}`)
      write(
        `ts-${mode}/app.ts`,
        `import { type Context, createApp, HttpError, type Middleware } from 'weir'
import { etag } from 'weir/etag'
import { requestId } from 'weir/request-id'
import { cors } from 'weir/cors'

const app = createApp({ mode: 'test' })
const timing: Middleware = async (c: Context, next) => {
  await next()
  c.header('x-ok', '1')
}
app.use(requestId(), cors(), etag(), timing)
app.get('/users/:id', (c) => {
  const id: string = c.params.id
  if (id === '0') throw new HttpError(404, 'no such user')
  return { id }
})
// @ts-expect-error App's @internal members are not part of its type
app.respondFailed
const res: Response = await app.request('/users/1')
export const body: unknown = await res.json()
`,
      )
      const tsconfig = {
        compilerOptions: {
          ...options,
          target: 'ES2022',
          lib: ['ES2023'],
          strict: true,
          noEmit: true,
          // weir's declarations are checked (a dangling reference left by stripInternal fails here), not TypeScript's own.
          skipLibCheck: false,
          skipDefaultLibCheck: true,
          types: ['node'],
          typeRoots: [join(repo, 'node_modules/@types')],
        },
        files: ['app.ts'],
      }
      writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig))
      const r = spawnSync(tsc, ['-p', 'tsconfig.json'], { cwd: dir, encoding: 'utf8' })
      assert.equal(r.status, 0, r.stdout + r.stderr)
    })
  }

  it('type-checks an app using weir/logger and weir/recommended without pino or prom-client (skipLibCheck)', slow, () => {
    const dir = join(app, 'ts-optional')
    write(
      'ts-optional/app.ts',
      `import { createApp } from 'weir'
import { logger } from 'weir/logger'
import { recommended } from 'weir/recommended'

const app = createApp({ mode: 'test' })
app.use(...recommended({ logger: false }), logger({ format: '{method} {url} {status}' }))
`,
    )
    const tsconfig = {
      compilerOptions: {
        module: 'NodeNext',
        target: 'ES2022',
        lib: ['ES2023'],
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        types: ['node'],
        typeRoots: [join(repo, 'node_modules/@types')],
      },
      files: ['app.ts'],
    }
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(tsconfig))
    const r = spawnSync(tsc, ['-p', 'tsconfig.json'], { cwd: dir, encoding: 'utf8' })
    assert.equal(r.status, 0, r.stdout + r.stderr)
  })
})

/** Names declared right after a JSDoc comment that says `@internal`, per source file (relative to src). */
function internalNames(root: string, dir = root): Array<{ file: string; name: string }> {
  const out: Array<{ file: string; name: string }> = []
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    if (e.isDirectory()) out.push(...internalNames(root, p))
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) {
      for (const m of readFileSync(p, 'utf8').matchAll(/\/\*\*(?:(?!\*\/)[\s\S])*@internal(?:(?!\*\/)[\s\S])*\*\/\s*(?:export\s+)?(?:readonly\s+)?(?:(?:function|class|const|interface|type)\s+)?([A-Za-z_$][\w$]*)/g)) {
        if (m[1] !== 'constructor') out.push({ file: p.slice(root.length + 1), name: m[1]! })
      }
    }
  }
  return out
}
