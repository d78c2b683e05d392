// The middleware chain alone (case (c) without HTTP): ns per request for 10 async pass-through layers and a
// sync handler, with weir's compose against the same ten async functions nested by hand (the floor V8 sets
// for `async (c, next) => { await next() }`), and a bare handler.
//
//   node --import tsx bench/compose.mjs
import { compose } from '../src/core/compose.ts'

const LAYERS = 10
const ROUNDS = 8
const PER_ROUND = 200_000
const layer = async (_c, next) => {
  await next()
}
const handler = (c) => {
  c.body = 1
}
const weir = compose([...Array(LAYERS).fill(layer), handler])
const bare = compose([handler])
const nested = [handler]
for (let i = 0; i < LAYERS; i++) {
  const inner = nested[0]
  nested.unshift(async (c) => {
    await inner(c)
  })
}
const floor = nested[0]

async function time(f) {
  const c = { body: 0 }
  let best = Number.POSITIVE_INFINITY
  for (let r = 0; r < ROUNDS; r++) {
    const t = process.hrtime.bigint()
    for (let i = 0; i < PER_ROUND; i++) await f(c)
    if (r > 1) best = Math.min(best, Number(process.hrtime.bigint() - t) / PER_ROUND)
  }
  return best
}

const rows = [
  ['bare handler', bare],
  [`${LAYERS} async functions nested by hand (the floor)`, floor],
  [`weir compose, ${LAYERS} async layers`, weir],
]
console.log('| chain | ns per request (best of 6 × 200k) |\n|---|---:|')
for (let pass = 0; pass < 2; pass++) {
  for (const [name, f] of rows) {
    const ns = await time(f)
    if (pass === 1) console.log(`| ${name} | ${ns.toFixed(0)} |`)
  }
}
