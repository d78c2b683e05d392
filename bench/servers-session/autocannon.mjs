// The load generator when wrk is not installed: autocannon through its API, which (unlike its command
// line) can give each connection its own Cookie header (`setupClient`). Prints autocannon's JSON result.
//   node bench/servers-session/autocannon.mjs <url> <connections> <seconds> <cookies.json>
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'

const autocannon = createRequire(import.meta.url)('autocannon')
const [url, connections, seconds, cookiesFile] = process.argv.slice(2)
const cookies = JSON.parse(readFileSync(cookiesFile, 'utf8'))
let next = 0
const result = await autocannon({
  url,
  connections: Number(connections),
  duration: Number(seconds),
  // Called once per connection, in order: connection i keeps cookie i for the whole run.
  setupClient: (client) => client.setHeaders({ cookie: cookies[next++ % cookies.length] }),
})
console.log(JSON.stringify(result))
