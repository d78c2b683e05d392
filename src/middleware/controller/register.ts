/** Mounts controllers on an app or group as plain routes. */
import type { Group, Middleware } from '../../index.js'
import { infoOf, routesOf } from './decorators.js'
import type { ControllerDefinition } from './define.js'

/**
 * Registers the routes of controllers — instances of `@Controller` classes or `controller(...)`
 * definitions — on an app or a group. Each becomes a group at its prefix with its middleware, and each
 * route a plain route: a request runs exactly the functions a hand-written route would.
 *
 * @example
 * registerController(app, new UsersController(db), health)
 */
export function registerController<G extends Group<string>>(app: G, ...controllers: object[]): G {
  for (const ctrl of controllers) {
    const def = isDefinition(ctrl) ? ctrl : fromInstance(ctrl)
    const group = app.group(def.prefix === '/' ? '' : def.prefix, ...def.use)
    for (const r of def.routes) group.on(r.method, r.path, ...r.fns)
  }
  return app
}

function isDefinition(x: object): x is ControllerDefinition {
  const d = x as Partial<ControllerDefinition>
  return typeof d.prefix === 'string' && Array.isArray(d.use) && Array.isArray(d.routes)
}

/** The routes of a decorated class's instance: its methods (own class and parents) bound to it. */
function fromInstance(instance: object): ControllerDefinition {
  const info = infoOf(instance.constructor)
  if (info === undefined) throw new TypeError(`registerController: ${instance.constructor?.name ?? 'the object'} is neither a @Controller class instance nor a controller() definition`)
  const routes: ControllerDefinition['routes'][number][] = []
  const seen = new Set<string | symbol>()
  for (let proto = Object.getPrototypeOf(instance); proto !== null && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const key of Reflect.ownKeys(proto)) {
      if (key === 'constructor' || seen.has(key)) continue
      seen.add(key) // a subclass's method overrides its parent's
      const fn = Object.getOwnPropertyDescriptor(proto, key)?.value
      const marks = routesOf(fn)
      if (marks === undefined) continue
      const handler = (fn as Middleware).bind(instance) as Middleware
      for (const r of marks.routes) routes.push({ method: r.method, path: r.path, fns: [...marks.chain, handler] })
    }
  }
  return { prefix: info.prefix ?? '', use: info.use, routes }
}
