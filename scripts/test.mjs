// Runs every *.test.ts under src/, test/ and examples/ with node's own test runner (tsx loads TypeScript).
// Nothing may hang CI: each test fails after TEST_TIMEOUT ms, and the whole run is killed (with every process it
// started) after SUITE_TIMEOUT ms (default 20 min). TEST_TIMEOUT defaults to 180 s because the runner also times a
// whole file as one test: the packed-package file takes ~25 s alone and went past 60 s on a loaded machine.
// Not --test-force-exit: on Node 24.21 it ends a file after its first suite and silently drops the rest of its tests.
import { spawn } from 'node:child_process'
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

const testTimeout = Number(process.env.TEST_TIMEOUT ?? 180_000)
const suiteTimeout = Number(process.env.SUITE_TIMEOUT ?? 20 * 60_000)
const only = process.argv.slice(2)
const files = only.length > 0 ? only : [...find('src'), ...find('test'), ...find('examples')].sort()
const args = ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2', `--test-timeout=${testTimeout}`, ...files]
const env = { ...process.env, WEIR_MODE: process.env.WEIR_MODE ?? 'test' }
// Its own process group, so the backstop can kill the runner and everything the tests spawned.
const runner = spawn(process.execPath, args, { stdio: 'inherit', env, detached: true })
const backstop = setTimeout(() => {
  console.error(`\nscripts/test.mjs: the suite ran past ${suiteTimeout} ms; killing it and every process it started`)
  try {
    process.kill(-runner.pid, 'SIGKILL')
  } catch {
    runner.kill('SIGKILL')
  }
}, suiteTimeout)
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => runner.kill(signal))
runner.on('exit', (code, signal) => {
  clearTimeout(backstop)
  process.exit(code ?? (signal ? 1 : 0))
})
