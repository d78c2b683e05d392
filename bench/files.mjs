// Files and a large JSON body: weir (serveStatic, c.json) vs fastify (@fastify/static) and hono (@hono/node-server).
//   node bench/files.mjs                      3 rounds × 5 s per server and case
//   node bench/files.mjs --smoke              1 round × 2 s: checks the harness, not a result
//   flags: --rounds N --duration S --connections N --cases file,json --no-pin --no-build
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { CASES, FILE_SIZE } from './servers-files/common.mjs'
import { ROOT, buildWeir, flags, fmt, median, startServer, stopServer, wrk } from './servers-files/harness.mjs'

const SERVERS = ['weir', 'fastify', 'hono']
const o = flags(process.argv.slice(2), { cases: 'file,json' })
if (o.smoke) Object.assign(o, { rounds: 1, duration: 2 })
const cases = String(o.cases).split(',')

/** Checks a server's answer before it is measured: status, size, and for the file its bytes. */
async function check(port, kase, file) {
  const res = await fetch(`http://127.0.0.1:${port}${CASES[kase].path}`)
  const body = Buffer.from(await res.arrayBuffer())
  if (res.status !== 200) return `status ${res.status}`
  if (kase === 'file' && !body.equals(file)) return `file body differs (${body.length} bytes)`
  if (kase === 'json' && JSON.parse(body.toString()).length !== 584) return 'wrong JSON'
  return null
}

async function main() {
  if (o.build) {
    const err = buildWeir()
    if (err) console.warn(`bench: tsc reported: ${err} (dist/ emitted anyway)`)
  }
  const dir = mkdtempSync(join(tmpdir(), 'weir-bench-files-'))
  mkdirSync(dir, { recursive: true })
  const file = randomBytes(FILE_SIZE)
  writeFileSync(join(dir, '1mb.bin'), file)
  console.log(`bench files: wrk -c${o.connections}, ${o.rounds} round(s) × ${o.duration}s, ${o.pin ? 'server core 0, wrk core 1' : 'unpinned'}${o.smoke ? ' — SMOKE RUN, not a result' : ''}`)
  const tables = []
  try {
    for (const kase of cases) {
      const runs = new Map(SERVERS.map((s) => [s, []]))
      for (let round = 0; round < o.rounds; round++) {
        for (const name of SERVERS.map((_, i) => SERVERS[(i + round) % SERVERS.length])) {
          const { child, port } = await startServer(join(ROOT, 'bench', 'servers-files', `${name}.mjs`), [kase, '$PORT', dir], o)
          try {
            const wrong = await check(port, kase, file)
            if (wrong) throw new Error(`${name} ${kase}: wrong answer: ${wrong}`)
            const url = `http://127.0.0.1:${port}${CASES[kase].path}`
            wrk(url, { ...o, seconds: 1 })
            const m = wrk(url, { ...o, seconds: o.duration })
            runs.get(name).push(m)
            console.log(`(${kase}) round ${round + 1} ${name.padEnd(8)} ${fmt(m.rps).padStart(8)} req/s  ${fmt(m.mbps, 1).padStart(8)} MB/s  p99 ${fmt(m.p99, 2)} ms`)
          } finally {
            await stopServer(child)
          }
        }
      }
      tables.push(table(kase, runs))
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  const head = `# weir file bench${o.smoke ? ' (SMOKE RUN: 1 round × 2 s, not a result)' : ''}\n\n- date ${new Date().toISOString()}, node ${process.version}, ${cpus()[0]?.model ?? ''}\n- wrk -t1 -c${o.connections} -d${o.duration}s, ${o.rounds} round(s), ${o.pin ? 'pinned' : 'unpinned'}\n`
  const report = `${head}\n${tables.join('\n\n')}\n`
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true })
  writeFileSync(join(ROOT, 'bench', 'results', 'files.md'), report)
  console.log(`\n${report}`)
}

function table(kase, runs) {
  const med = (name, k) => median(runs.get(name).map((r) => r[k]))
  const lines = [`### (${kase}) ${CASES[kase].title}`, '', '| server | req/s | MB/s | p99 ms | weir ÷ this |', '|---|---:|---:|---:|---:|']
  for (const name of SERVERS) {
    const ratio = med('weir', 'rps') / med(name, 'rps')
    lines.push(`| ${name} | ${fmt(med(name, 'rps'))} | ${fmt(med(name, 'mbps'), 1)} | ${fmt(med(name, 'p99'), 2)} | ${fmt(ratio, 2)}× |`)
  }
  return lines.join('\n')
}

await main()
