// Runs every *.test.ts under src/ and test/ with node's own test runner (tsx loads TypeScript).
import { spawnSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

function find(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) find(p, out)
    else if (name.endsWith('.test.ts')) out.push(p)
  }
  return out
}

const only = process.argv.slice(2)
const files = only.length > 0 ? only : [...find('src'), ...find('test'), ...find('examples')].sort()
const args = ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2', ...files]
const r = spawnSync(process.execPath, args, { stdio: 'inherit', env: { ...process.env, WEIR_MODE: process.env.WEIR_MODE ?? 'test' } })
process.exit(r.status ?? 1)
