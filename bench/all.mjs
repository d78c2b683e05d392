// `npm run bench`: every benchmark in turn, each writing its table to bench/results/.
// Pass `--smoke` for a quick pass that checks the harnesses (not results). Run on an idle machine.
import { spawnSync } from 'node:child_process'

const smoke = process.argv.includes('--smoke')
const node = process.execPath
const steps = [
  ['core: node:http, weir, fastify, hono, koa, express', ['bench/run.mjs', ...(smoke ? ['--rounds', '1', '--duration', '2'] : [])]],
  ['router lookups vs find-my-way', ['--import', 'tsx', 'bench/router.mjs']],
  ['context pooling', ['--import', 'tsx', 'bench/context-pool.mjs']],
  ['request bodies', ['bench/body.mjs', '--no-build', ...(smoke ? ['--rounds', '1', '--duration', '2'] : [])]],
  ['streams and capture', ['bench/stream.mjs', '--no-build', ...(smoke ? ['--smoke'] : [])]],
  ['files and large JSON', ['bench/files.mjs', '--no-build', ...(smoke ? ['--smoke'] : [])]],
  ['compression', ['bench/compress.mjs', ...(smoke ? ['--duration', '2'] : [])]],
  ['etag', ['bench/etag.mjs', ...(smoke ? ['--duration', '2', '--rounds', '1'] : [])]],
  ['recommended stack', ['bench/recommended.mjs', ...(smoke ? ['--rounds', '1', '--duration', '2'] : [])]],
  ['sessions: weir memory/file/SQLite/Redis vs @fastify/session and express-session on Redis', ['bench/session.mjs', ...(smoke ? ['--smoke'] : [])]],
  ['WebSocket: raw ws, weir, @fastify/websocket, hono (echo, broadcast)', ['bench/ws.mjs', '--out', 'bench/results/ws.md', ...(smoke ? ['--smoke'] : [])]],
  ['middleware chain alone', ['--import', 'tsx', 'bench/compose.mjs']],
  ['instructions per request under valgrind, session and cache groups included (needs scripts/bench-tools.sh)', ['bench/instructions.mjs', '--no-build', ...(smoke ? ['--smoke'] : [])]],
]
let failed = 0
for (const [title, args] of steps) {
  console.log(`\n=== ${title}: node ${args.join(' ')}`)
  const r = spawnSync(node, args, { stdio: 'inherit' })
  if (r.status !== 0) {
    failed++
    console.log(`=== ${title}: exit ${r.status}`)
  }
}
process.exit(failed ? 1 : 0)
