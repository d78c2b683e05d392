/** App events (errors with a category, close) and the lifecycle guard `listen` installs: signals and process safety. */
import type { Context } from './context.js'
import type { Logger } from './types.js'

/**
 * Where an unhandled error came from. `recover`: a non-HTTP error caught by `recover()` (a bug, Go's panic);
 * `unhandled`: one that reached the app without a `recover()`; `http`, `body`, `validation`, `timeout`: an
 * `HttpError` (by its code); `stream`: a streamed response failed after its head was sent; `respond`: writing
 * the response threw; `process`: an uncaught exception or unhandled rejection. Any error may carry its own
 * `category` property, which wins.
 */
export type ErrorCategory =
  | 'recover'
  | 'unhandled'
  | 'http'
  | 'body'
  | 'validation'
  | 'timeout'
  | 'stream'
  | 'respond'
  | 'process'
  | (string & {})

/** Hears every unhandled error with its request context (none for `process` errors) and category. */
export type ErrorListener = (err: Error, c: Context | undefined, category: ErrorCategory) => void

/** Runs once the app has closed, with the reason (`SIGTERM`, `uncaughtException`, `recover`, `close`); may be async. */
export type CloseListener = (reason: string) => unknown

/**
 * Runs when a close starts (`app.close()`, a signal, a crash), with the close timeout in ms; `close()`
 * waits for it (bounded by the timeout). For connections the server does not track — WebSockets — to be
 * closed with their own protocol.
 */
export type ClosingListener = (timeout: number) => unknown

/** The events of `app.onEvent(name, listener)`. */
export interface AppEvents {
  error: ErrorListener
  close: CloseListener
  closing: ClosingListener
}

/**
 * The category of an error: its own `category` property, else by code (`ERR_BODY_*` → `body`,
 * `ERR_VALIDATION_*` → `validation`, a code containing `TIMEOUT` → `timeout`), else `fallback`.
 *
 * @example
 * categorize(createError('ERR_NOT_FOUND'), 'http') // 'http'
 */
export function categorize(err: Error, fallback: ErrorCategory): ErrorCategory {
  const own = (err as { category?: unknown }).category
  if (typeof own === 'string' && own !== '') return own
  const code = (err as { code?: unknown }).code
  if (typeof code !== 'string') return fallback
  if (code.startsWith('ERR_BODY_')) return 'body'
  if (code.startsWith('ERR_VALIDATION')) return 'validation'
  if (code.includes('TIMEOUT')) return 'timeout'
  return fallback
}

/**
 * The app's listeners. Listeners never break the request: one that throws is logged and skipped. @internal
 *
 * @example
 * const events = new Events(log)
 * const off = events.on('error', (err, c, category) => alert(category, err))
 * events.emitError(err, c, 'recover')
 */
export class Events {
  readonly #log: Logger
  readonly #error: ErrorListener[] = []
  readonly #close: CloseListener[] = []
  readonly #closing: ClosingListener[] = []

  constructor(log: Logger) {
    this.#log = log
  }

  on<K extends keyof AppEvents>(name: K, listener: AppEvents[K]): () => void {
    if (typeof listener !== 'function') throw new TypeError(`onEvent('${name}') takes a function`)
    const lists = { error: this.#error, close: this.#close, closing: this.#closing } as Record<string, unknown[]>
    const list = (Object.hasOwn(lists, name) ? lists[name] : undefined) as AppEvents[K][] | undefined
    if (list === undefined) throw new TypeError(`Unknown event ${JSON.stringify(name)}: use 'error', 'close' or 'closing'`)
    list.push(listener)
    return () => {
      const i = list.indexOf(listener)
      if (i !== -1) list.splice(i, 1)
    }
  }

  emitError(err: Error, c: Context | undefined, category: ErrorCategory): void {
    if (this.#error.length === 0) return
    for (const listener of [...this.#error]) {
      try {
        listener(err, c, category)
      } catch (e) {
        this.#log.error({ err: e, code: 'ERR_EVENT_LISTENER_FAILED' }, 'An error listener threw; it was skipped')
      }
    }
  }

  /** Runs the `closing` listeners side by side; resolves when all have settled. */
  async emitClosing(timeout: number): Promise<void> {
    await Promise.all(
      this.#closing.map(async (listener) => {
        try {
          await listener(timeout)
        } catch (e) {
          this.#log.error({ err: e, code: 'ERR_EVENT_LISTENER_FAILED' }, 'A closing listener threw; it was skipped')
        }
      }),
    )
  }

  async emitClose(reason: string): Promise<void> {
    for (const listener of [...this.#close]) {
      try {
        await listener(reason)
      } catch (e) {
        this.#log.error({ err: e, code: 'ERR_EVENT_LISTENER_FAILED' }, 'A close listener threw; it was skipped')
      }
    }
  }
}

/** What an app does about crashes that escape every request. */
export interface SafetyOptions {
  /** After logging and reporting an uncaught exception: `'close'` (graceful close, exit 1) or `'log'`. Default `'close'`. */
  uncaughtException?: 'close' | 'log'
  /** After logging and reporting an unhandled rejection: `'log'` (keep serving) or `'close'`. Default `'log'`. */
  unhandledRejection?: 'close' | 'log'
  /** Error categories that trigger a graceful close and exit 1, e.g. `['recover']`. Default `[]`. */
  closeOn?: ErrorCategory[]
}

/** The lifecycle part of `listen` options: signals, process safety, and how a close they trigger ends. */
export interface LifecycleOptions {
  /** Signals answered by a graceful close then `exit(0)`; a second one exits at once (1). Default none. */
  signals?: NodeJS.Signals[]
  /** `true` for the defaults of {@link SafetyOptions}. Default off. */
  safety?: boolean | SafetyOptions
  /** Time in-flight requests get when a signal or a crash closes the app, ms. Default `10_000`. */
  closeTimeout?: number
  /** Whether a close triggered by a signal or a crash ends with `process.exit`. Default `true`. */
  exit?: boolean
}

/** What the guard needs from the app. */
export interface Guarded {
  readonly log: Logger
  readonly closing: boolean
  close(options: { timeout: number }): Promise<void>
}

/**
 * Installs the signal and process handlers of `options`; returns the function that removes them.
 * A close it starts runs `app.close`, then the `close` listeners (bounded by `closeTimeout` too), then exits. @internal
 *
 * @example
 * const unguard = guard(app, events, { signals: ['SIGTERM'], safety: true })
 */
export function guard(app: Guarded, events: Events, options: LifecycleOptions): () => void {
  const timeout = checkTimeout(options.closeTimeout)
  const exit = options.exit ?? true
  const offs: Array<() => void> = []
  let shutting = false
  const shutdown = (reason: string, code: number): void => {
    if (shutting) return
    shutting = true
    app.log.warn({ reason, timeout }, `Closing gracefully (${reason})`)
    // app.close cuts connections at `timeout`; the close listeners get as long again.
    app
      .close({ timeout })
      .then(() => Promise.race([events.emitClose(reason), new Promise((r) => setTimeout(r, timeout).unref())]))
      .finally(() => exit && process.exit(code))
  }
  for (const signal of options.signals ?? []) {
    on(offs, signal, () => {
      if (!shutting) return shutdown(signal, 0)
      app.log.warn({ signal }, `${signal} again while closing: exiting now`)
      if (exit) process.exit(1)
    })
  }
  const safety = options.safety === true ? {} : options.safety || undefined
  if (safety !== undefined) protect(app, events, safety, shutdown, offs)
  return () => {
    for (const off of offs) off()
  }
}

function protect(app: Guarded, events: Events, s: SafetyOptions, shutdown: (r: string, code: number) => void, offs: Array<() => void>): void {
  const handle = (kind: 'uncaughtException' | 'unhandledRejection', thrown: unknown, then: 'close' | 'log') => {
    const err = thrown instanceof Error ? thrown : new Error(`Non-error ${kind}: ${String(thrown)}`)
    const code = kind === 'uncaughtException' ? 'ERR_UNCAUGHT_EXCEPTION' : 'ERR_UNHANDLED_REJECTION'
    app.log.error({ err, code, category: 'process' }, `${kind}: ${err.message}`)
    events.emitError(err, undefined, 'process')
    if (then === 'close') shutdown(kind, 1)
  }
  on(offs, 'uncaughtException', (err: unknown) => handle('uncaughtException', err, s.uncaughtException ?? 'close'))
  on(offs, 'unhandledRejection', (reason: unknown) => handle('unhandledRejection', reason, s.unhandledRejection ?? 'log'))
  const closeOn = s.closeOn ?? []
  if (closeOn.length > 0) offs.push(events.on('error', (_err, _c, category) => closeOn.includes(category) && shutdown(category, 1)))
}

function on(offs: Array<() => void>, event: string, fn: (...args: never[]) => void): void {
  process.on(event, fn as () => void)
  offs.push(() => process.off(event, fn as () => void))
}

function checkTimeout(t: number | undefined): number {
  if (t === undefined) return 10_000
  if (!Number.isFinite(t) || t < 0) throw new TypeError(`closeTimeout must be a non-negative number of ms, got ${t}`)
  return t
}
