/** Incoming messages of one socket, in order: held (bounded) while `open` runs or a message is being validated. */
import type { StandardSchemaV1 } from '@standard-schema/spec'

/** What reaches the handler: the raw message, or the schema's output. */
export type Incoming = { data: unknown; isBinary: boolean }

/** Why a message was refused; sent back to the client as `{ error: … }`. */
export interface MessageIssue {
  /** `ERR_WS_INVALID_MESSAGE`. */
  code: 'ERR_WS_INVALID_MESSAGE'
  message: string
  /** The validator's issues: where (keys and indexes) and what. */
  issues?: Array<{ path: Array<string | number>; message: string }>
}

/** The outcome of checking one message. @internal */
export type Checked = { ok: true; value: unknown } | { ok: false; issue: MessageIssue }

/**
 * Parses a message as JSON and validates it with `schema`; binary messages and bad JSON are refused.
 * Returns a promise only when the validator is asynchronous. @internal
 */
export function check(schema: StandardSchemaV1, data: Buffer, isBinary: boolean): Checked | Promise<Checked> {
  if (isBinary) return refuse('This socket takes JSON text messages, not binary ones')
  let value: unknown
  try {
    value = JSON.parse(data.toString('utf8'))
  } catch {
    return refuse('The message is not valid JSON')
  }
  const result = schema['~standard'].validate(value)
  return result instanceof Promise ? result.then(outcome) : outcome(result)
}

function outcome(r: StandardSchemaV1.Result<unknown>): Checked {
  if (!r.issues) return { ok: true, value: r.value }
  const issues = r.issues.map((i) => ({ path: (i.path ?? []).map((p) => (typeof p === 'object' ? p.key : p) as string | number), message: i.message }))
  return { ok: false, issue: { code: 'ERR_WS_INVALID_MESSAGE', message: 'The message did not pass validation', issues } }
}

function refuse(message: string): Checked {
  return { ok: false, issue: { code: 'ERR_WS_INVALID_MESSAGE', message } }
}

/**
 * Hands messages to `deliver` in the order they arrived. While held — until `open()` settles, or while an
 * asynchronous check runs — messages wait in a queue of at most `max`; one more calls `overflow` (the socket
 * is then closed) and the rest are ignored. @internal
 */
export class Inbox {
  readonly #queue: Array<{ data: Buffer; isBinary: boolean }> = []
  readonly #max: number
  readonly #process: (data: Buffer, isBinary: boolean) => Promise<void> | undefined
  readonly #overflow: () => void
  #held = true
  #dead = false

  constructor(max: number, process: (data: Buffer, isBinary: boolean) => Promise<void> | undefined, overflow: () => void) {
    this.#max = max
    this.#process = process
    this.#overflow = overflow
  }

  push(data: Buffer, isBinary: boolean): void {
    if (this.#dead) return
    if (!this.#held) {
      const pending = this.#process(data, isBinary)
      if (pending !== undefined) this.#hold(pending)
      return
    }
    if (this.#queue.length >= this.#max) {
      this.#dead = true
      this.#queue.length = 0
      return this.#overflow()
    }
    this.#queue.push({ data, isBinary })
  }

  /** Stops holding (open() settled) and delivers what waited. */
  release(): void {
    this.#held = false
    while (!this.#held && !this.#dead && this.#queue.length > 0) {
      const m = this.#queue.shift()!
      const pending = this.#process(m.data, m.isBinary)
      if (pending !== undefined) this.#hold(pending)
    }
  }

  #hold(pending: Promise<void>): void {
    this.#held = true
    pending.then(() => this.release())
  }
}
