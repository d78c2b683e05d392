/** weir: the public core API. Middleware live at their own import paths (`weir/logger`, …). */
export { App, createApp } from './core/app.js'
export type { AppOptions, CloseOptions, ListenOptions, RequestListener, ServerOptions } from './core/app.js'
export type { ListenTls, NodeServer } from './core/server.js'
export type { Http2Limits } from './core/http2.js'
export { compose } from './core/compose.js'
export type { Composed } from './core/compose.js'
export { Context } from './core/context.js'
export { Group } from './core/group.js'
export { WeirRequest } from './core/request.js'
export { WeirResponse } from './core/response.js'
export type { HeaderValue } from './core/response.js'
export { ANNOTATION, isAnnotation } from './core/types.js'
export type {
  RouteInfo,
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
export type { ErrorFormat, Problem } from './core/fail.js'
export type { ErrorCode, ErrorSpec, HttpErrorOptions } from './errors.js'
export type { RouterOptions } from './router/router.js'
export type { CookieOptions } from './utils/cookie.js'
export { consoleLogger } from './utils/console-logger.js'
export { contentDisposition } from './utils/content-disposition.js'
export type { LogLevel } from './utils/console-logger.js'
export type { Mode } from './utils/mode.js'
export type { TrustProxy } from './utils/proxy.js'
export { categorize } from './core/events.js'
export type { AppEvents, CloseListener, ClosingListener, ErrorCategory, ErrorListener, LifecycleOptions, SafetyOptions } from './core/events.js'
export type { Upgrade } from './core/upgrade.js'
export { LineStream, lines } from './stream/lines.js'
export type { LineSource, LinesOptions } from './stream/lines.js'
export { SSEStream, formatEvent } from './stream/sse.js'
export type { SSEEvent, SSEMessage, SSEOptions, SSESource } from './stream/sse.js'
export { FLUSH, markFlush, wantsFlush } from './stream/flush.js'
export type { FileOptions } from './stream/file.js'
export { mimeType } from './stream/mime.js'
export { defaultRenderers, escapeHtml, htmlRenderer, jsonRenderer, textRenderer, xmlRenderer } from './render/index.js'
export type { RenderOptions, Renderer } from './render/index.js'
export { MiB } from './body/limits.js'
export type { BodyLimits } from './body/limits.js'
export type { BodyOptions, BodyParser, BodyParsers, BodySource } from './body/settings.js'
export type { DecoderFactory, Decoders } from './body/decoders.js'
export type { FormRecord, FormValue } from './body/form.js'
export type { ProtoAction } from './body/json.js'
export type { FilePart, MultipartBody, MultipartFile, MultipartOptions } from './body/multipart.js'
export type { Validated, ValidPart } from './core/context.js'
