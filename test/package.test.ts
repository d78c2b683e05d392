// The published shape: `weir` resolves to the built ESM with declarations (run after `npm run build`).
import assert from 'node:assert/strict'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, it } from 'node:test'

describe('package', () => {
  it('resolves `weir` to the built ESM with declarations', async () => {
    assert.ok(existsSync('dist/index.js') && existsSync('dist/index.d.ts'), 'run `npm run build` first (npm test does)')
    const self = 'weir' // resolved through package.json `exports` at run time, not by the type checker
    const weir = (await import(self)) as typeof import('../src/index.js')
    const app = weir.createApp({ mode: 'test' })
    app.get('/', () => 'built')
    assert.equal(await (await app.request('/')).text(), 'built')
  })

  it('keeps the core (index, core, router, utils, errors) free of imports other than node: builtins', () => {
    const files = ['dist/index.js', 'dist/errors.js', ...['core', 'router', 'utils'].flatMap((d) => walk(join('dist', d)))]
    for (const f of files) {
      const specs = [...readFileSync(f, 'utf8').matchAll(/^(?:import|export)\b[^'"\n]*\bfrom\s*['"]([^'"]+)['"]/gm)].map((m) => m[1]!)
      for (const s of specs) assert.ok(s.startsWith('.') || s.startsWith('node:'), `${f} imports ${s}`)
    }
  })
})

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.js') ? [join(dir, e.name)] : [],
  )
}
