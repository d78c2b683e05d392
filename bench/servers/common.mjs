// Shared by every bench server and by bench/run.mjs: the cases, what each must answer, and the
// command-line contract `node bench/servers/<name>.mjs <case> <port>`.

/** Number of pass-through middlewares in case (c). */
export const MIDDLEWARES = 10

/** Body of `GET /` in cases (a) and (c). */
export const HELLO = { hello: 'world' }

/** The benchmark cases: the path the load generator hits and the exact JSON body expected there. */
export const CASES = {
  a: { title: 'GET / → {"hello":"world"}', path: '/', expected: JSON.stringify(HELLO) },
  b: {
    title: 'GET /user/42 among a ~50-route table (static + param, 4 methods)',
    path: '/user/42',
    expected: JSON.stringify({ id: '42' }),
  },
  c: {
    title: `GET / behind ${MIDDLEWARES} pass-through middlewares`,
    path: '/',
    expected: JSON.stringify(HELLO),
  },
}

/** Reads `<case> <port>` from argv; exits with a usage message when they are wrong. */
export function serverArgs(name) {
  const [kase, portArg] = process.argv.slice(2)
  const port = Number(portArg)
  if (!Object.hasOwn(CASES, kase ?? '') || !Number.isInteger(port) || port <= 0 || port > 65535) {
    console.error(`usage: node bench/servers/${name}.mjs <${Object.keys(CASES).join('|')}> <port>`)
    process.exit(2)
  }
  return { kase, port }
}

/** Tells the runner the server is bound. */
export function ready() {
  console.log('ready')
}
