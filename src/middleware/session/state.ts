/** One request's session: the data read once and lazily, and the changes recorded for replay at save. */
import type { Session } from './types.js'

/**
 * Session data: a Map, so a key such as `__proto__` is only a key.
 *
 * @example
 * const data: Data = new Map([['userId', 42]])
 */
export type Data = Map<string, unknown>

/**
 * A recorded change: a set (`json` undefined deletes) or an update whose `fn` runs again at save.
 *
 * @example
 * const op: Op = { key: 'count', fn: (n) => ((n as number | undefined) ?? 0) + 1 }
 */
export type Op = { readonly key: string; readonly json: string | undefined } | { readonly key: string; readonly fn: (current: unknown) => unknown }

/**
 * Where a session comes from: the id the request's cookie names, the data of an id, new ids.
 *
 * @example
 * const source: SessionSource = { incoming: () => undefined, load: async () => undefined, mint: newSessionId }
 */
export interface SessionSource {
  /** The verified id the request brought, or `undefined`. Called at most once, on first use. */
  incoming(): string | undefined
  /** The data of `id`, or `undefined` when there is none. */
  load(id: string): Promise<Data | undefined>
  /** A new random id. */
  mint(): string
}

/**
 * The {@link Session} of one request. The middleware reads its fields after `next()` to save it.
 *
 * @example
 * const s = new SessionState(source)
 * s.set('a', 1)
 * if (s.ops.length > 0) await save(s)
 */
export class SessionState implements Session {
  /** Changes in order, replayed onto the stored data when saved. */
  ops: Op[] = []
  /** Ids whose data goes at save (regenerate, destroy). */
  readonly retired: string[] = []
  /** Whether any method but `id`/`isNew` was called. */
  used = false
  /** Whether the data was read (so a rolling refresh may touch it). */
  loaded = false
  /** Whether the data is written whole under a new id (regenerate, or values set after destroy). */
  rebased = false
  /** Whether `destroy()` was called (and not followed by `regenerate()`). */
  destroyed = false
  readonly #source: SessionSource
  #id: string | undefined
  #fresh = false
  #view: Data | undefined
  #loading: Promise<Data> | undefined

  constructor(source: SessionSource) {
    this.#source = source
  }

  get id(): string {
    return this.#resolve()
  }

  get isNew(): boolean {
    this.#resolve()
    return this.#fresh
  }

  /** Gives the session a new id (its data, if any, stays in this object). */
  renew(): void {
    this.#id = this.#source.mint()
    this.#fresh = true
  }

  async get<T = unknown>(key: string): Promise<T | undefined> {
    return copy((await this.data()).get(key)) as T | undefined
  }

  set(key: string, value: unknown): void {
    this.#record({ key, json: JSON.stringify(value) })
  }

  delete(key: string): void {
    this.#record({ key, json: undefined })
  }

  async update<T = unknown>(key: string, fn: (current: T | undefined) => T | undefined): Promise<T | undefined> {
    if (typeof fn !== 'function') throw new TypeError('session.update(key, fn): fn must be a function')
    const data = await this.data()
    this.#record({ key, fn: fn as (current: unknown) => unknown })
    return copy(data.get(key)) as T | undefined
  }

  async all(): Promise<Record<string, unknown>> {
    return Object.fromEntries([...(await this.data())].map(([k, v]) => [k, copy(v)]))
  }

  async regenerate(): Promise<void> {
    await this.data()
    if (!this.isNew) this.retired.push(this.id)
    this.renew()
    this.rebased = true
    this.destroyed = false
  }

  async destroy(): Promise<void> {
    this.used = true
    if (!this.isNew) this.retired.push(this.id)
    this.renew()
    this.#view = new Map()
    this.#loading = Promise.resolve(this.#view)
    this.ops = []
    this.rebased = true
    this.destroyed = true
  }

  /** The data as this request sees it: read once, with the changes recorded so far applied. */
  data(): Promise<Data> {
    this.used = true
    this.#loading ??= this.#read()
    return this.#loading
  }

  /** `current` (the data stored now) with this request's changes applied, as a new Map. */
  replay(current: Data | undefined): Data {
    const data = new Map(current)
    for (const op of this.ops) apply(data, op)
    return data
  }

  async #read(): Promise<Data> {
    const id = this.id
    const stored = this.#fresh ? undefined : await this.#source.load(id)
    // destroy() while the read was pending: its empty data stands.
    if (this.#view !== undefined) return this.#view
    // A signed id whose data is gone gets a new id: an id never outlives its data.
    if (stored === undefined && !this.#fresh) this.renew()
    this.loaded = true
    this.#view = this.replay(stored)
    return this.#view
  }

  #resolve(): string {
    if (this.#id === undefined) {
      const id = this.#source.incoming()
      if (id === undefined) this.renew()
      else this.#id = id
    }
    return this.#id!
  }

  #record(op: Op): void {
    if (typeof op.key !== 'string') throw new TypeError('session: keys are strings')
    this.used = true
    this.ops.push(op)
    if (this.#view !== undefined) apply(this.#view, op)
  }
}

function apply(data: Data, op: Op): void {
  const json = 'fn' in op ? JSON.stringify(op.fn(copy(data.get(op.key)))) : op.json
  if (json === undefined) data.delete(op.key)
  else data.set(op.key, JSON.parse(json))
}

function copy(v: unknown): unknown {
  return typeof v === 'object' && v !== null ? structuredClone(v) : v
}
