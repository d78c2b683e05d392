// The inspector's cost on the hello route: `node bench/servers-inspector/weir.mjs <variant> <port>`, variant
// `debug`, `debug+inspector`, `release` or `release+inspector` (bench/instructions.mjs --groups inspector).
// From dist/, as bench/servers/weir.mjs: tsx's transform adds a call per closure made, which would be counted.
import { createApp } from '../../dist/index.js'
import { inspector } from '../../dist/middleware/inspector/index.js'
import { HELLO, ready } from '../servers/common.mjs'

const [variant, port] = [process.argv[2] ?? '', Number(process.argv[3])]
const [mode, withInspector] = variant.split('+')
if ((mode !== 'debug' && mode !== 'release') || (withInspector !== undefined && withInspector !== 'inspector')) {
  console.error('usage: bench/servers-inspector/weir.mjs <debug|release>[+inspector] <port>')
  process.exit(1)
}
const app = createApp({ mode })
if (withInspector) app.use(inspector())
app.get('/', (c) => c.json(HELLO))
await app.listen({ port, host: '127.0.0.1' })
ready()
