// Shared by the file-bench servers and bench/files.mjs: the cases and the command line
// `node bench/servers-files/<name>.mjs <file|json> <port> <dir>` (dir holds 1mb.bin).

/** The cases: what the load generator asks for. */
export const CASES = {
  file: { title: 'GET /static/1mb.bin (a 1 MB file from disk, with validators)', path: '/static/1mb.bin' },
  json: { title: 'GET /json (a 64 KB JSON body, serialised per request)', path: '/json' },
}

/** Size of the file case. */
export const FILE_SIZE = 1024 * 1024

/** The JSON case's value: ~64 KB once serialised. */
export const DATA = Array.from({ length: 584 }, (_, i) => ({
  id: i,
  name: `user ${i}`,
  email: `user${i}@example.com`,
  active: i % 3 !== 0,
  tags: ['alpha', 'beta', 'gamma'].slice(0, (i % 3) + 1),
  score: Math.round(i * 2.71 * 100) / 100,
}))

/** Reads `<case> <port> <dir>`; exits with a usage message when they are wrong. */
export function serverArgs(name) {
  const [kase, portArg, dir] = process.argv.slice(2)
  const port = Number(portArg)
  if (!Object.hasOwn(CASES, kase ?? '') || !Number.isInteger(port) || port <= 0 || !dir) {
    console.error(`usage: node bench/servers-files/${name}.mjs <${Object.keys(CASES).join('|')}> <port> <dir>`)
    process.exit(2)
  }
  return { kase, port, dir }
}

export function ready() {
  console.log('ready')
}
