/** weir: the public core API. Middleware live at their own import paths (`weir/logger`, …). */
export { App, createApp } from './core/app.js'
export type { AppOptions, CloseOptions, ListenOptions, ServerOptions } from './core/app.js'
export { compose } from './core/compose.js'
export type { Composed } from './core/compose.js'
export { Context } from './core/context.js'
export { Group } from './core/group.js'
export { WeirRequest } from './core/request.js'
export { WeirResponse } from './core/response.js'
export type { HeaderValue } from './core/response.js'
export type {
  ContextVariables,
  ErrorHandler,
  Handler,
  Logger,
  Middleware,
  Next,
  Params,
  ParamsOf,
  ResponseBody,
} from './core/types.js'
export { ERRORS, HttpError, STATUS_TEXT, createError } from './errors.js'
export type { ErrorCode, ErrorSpec, HttpErrorOptions } from './errors.js'
export type { RouterOptions } from './router/router.js'
export type { CookieOptions } from './utils/cookie.js'
export { consoleLogger } from './utils/console-logger.js'
export type { LogLevel } from './utils/console-logger.js'
export type { Mode } from './utils/mode.js'
export type { TrustProxy } from './utils/proxy.js'
