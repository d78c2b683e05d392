// A controller route vs the same plain route: `GET /users/42` answers `{"id":"42"}`.
//   node --import tsx bench/servers-controller/weir.ts <plain|class|table> <port>
// `class` is a @Controller class (standard decorators, with a @Describe annotation); `table` is controller().
import { type Context, type ParamsOf, createApp } from '../../src/index.js'
import { Controller, Describe, Get, controller, registerController } from '../../src/middleware/controller/index.js'

@Controller('/users')
class Users {
  @Get('/:id')
  @Describe({ summary: 'One user' })
  show(c: Context<ParamsOf<'/:id'>>) {
    return { id: c.params.id }
  }
}

const [variant = 'plain', port = '3000'] = process.argv.slice(2)
const app = createApp({ mode: 'release', logger: { error() {}, warn() {}, info() {}, debug() {} } })
if (variant === 'plain') app.get('/users/:id', (c) => ({ id: c.params.id }))
else if (variant === 'class') registerController(app, new Users())
else if (variant === 'table') registerController(app, controller('/users', { routes: { 'GET /:id': (c) => ({ id: c.params.id }) } }))
else throw new Error(`unknown variant ${variant}: plain, class or table`)
await app.listen({ port: Number(port), host: '127.0.0.1' })
console.log('ready')
