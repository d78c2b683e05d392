// HTTP/2 over TLS: weir vs fastify (`http2: true`) vs hono (@hono/node-server on createSecureServer), with
// h2load — 100 streams over 10 connections — on hello and a 100 KB file; then weir over HTTPS/1.1 vs plain
// HTTP/1.1 (h2load --h1, 10 connections) for the cost of TLS alone.
//   node bench/http2.mjs                  3 rounds × 20 000 requests per server and case
//   node bench/http2.mjs --smoke          1 round × 2 000: checks the harness, not a result
//   flags: --rounds N --requests N --no-build
import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { freePort, median, selfSignedCert } from './lib.mjs'

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)))
const { values: o } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    requests: { type: 'string', default: '20000' },
    smoke: { type: 'boolean', default: false },
    'no-build': { type: 'boolean', default: false },
  },
})
if (o.smoke) Object.assign(o, { rounds: '1', requests: '2000' })

const CASES = { hello: '/', file: '/static/100kb.bin' }
/** [label, server file, mode, h2load flags] */
const ROWS = [
  ['weir h2', 'weir', 'h2', ['-c', '10', '-m', '10']],
  ['fastify h2', 'fastify', 'h2', ['-c', '10', '-m', '10']],
  ['hono h2', 'hono', 'h2', ['-c', '10', '-m', '10']],
  ['weir https/1.1', 'weir', 'https1', ['--h1', '-c', '10']],
  ['weir http/1.1', 'weir', 'http1', ['--h1', '-c', '10']],
]

async function startServer(name, mode, certDir, fileDir) {
  const port = await freePort()
  const child = spawn(process.execPath, [join(ROOT, 'bench', 'servers-http2', `${name}.mjs`), mode, String(port), certDir, fileDir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] })
  await new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => String(d).includes('ready') && resolve())
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}`)))
  })
  return { child, port }
}

function h2load(url, flags, requests) {
  const r = spawnSync('h2load', ['-n', String(requests), ...flags, url], { encoding: 'utf8' })
  const out = r.stdout ?? ''
  const rps = Number(/finished in [\d.]+\w+, ([\d.]+) req\/s/.exec(out)?.[1] ?? Number.NaN)
  const ok = /requests: (\d+) total, \d+ started, \d+ done, (\d+) succeeded/.exec(out)
  const proto = /Application protocol: (\S+)/.exec(out)?.[1] ?? '?'
  if (!ok || ok[1] !== ok[2]) throw new Error(`h2load ${url}: not every request succeeded\n${out}${r.stderr}`)
  return { rps, proto }
}

async function main() {
  if (!o['no-build']) spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'inherit' })
  const dir = mkdtempSync(join(tmpdir(), 'weir-bench-h2-'))
  try {
    selfSignedCert(dir)
    writeFileSync(join(dir, '100kb.bin'), randomBytes(100 * 1024))
    console.log(`bench http2: h2load -n ${o.requests}, ${o.rounds} round(s)${o.smoke ? ' — SMOKE RUN, not a result' : ''}`)
    console.log('\n| server | case | protocol | req/s (median) |\n|---|---|---|---:|')
    for (const [kase, path] of Object.entries(CASES)) {
      for (const [label, name, mode, flags] of ROWS) {
        const runs = []
        let proto = '?'
        for (let round = 0; round < Number(o.rounds); round++) {
          const { child, port } = await startServer(name, mode, dir, dir)
          try {
            const url = `${mode === 'http1' ? 'http' : 'https'}://127.0.0.1:${port}${path}`
            h2load(url, flags, Math.max(200, Number(o.requests) / 10)) // warm-up
            const m = h2load(url, flags, Number(o.requests))
            runs.push(m.rps)
            proto = m.proto
          } finally {
            child.kill()
          }
        }
        console.log(`| ${label} | ${kase} | ${proto} | ${Math.round(median(runs)).toLocaleString('en-US')} |`)
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()
