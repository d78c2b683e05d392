/** The ioredis client a Redis store makes for itself: fails fast while Redis is away, reconnects by itself. */
import type { Redis } from 'ioredis'
import { requireOptional } from '../../utils/optional.js'
import { unavailable } from '../helpers.js'

/** Longest wait between reconnection attempts, ms: how late, at most, the store notices Redis is back. */
const MAX_RECONNECT_DELAY = 2_000

/** A client the store owns, and the wait each call makes for its connection. */
export interface OwnClient {
  readonly client: Redis
  /** Resolves once the client is connected; rejects at once while it is reconnecting after a failure. */
  ready(): Promise<void>
}

/**
 * Connects to `url` with an ioredis client that never queues a command while disconnected (no offline
 * queue, no retry of a command cut by a lost connection) and reconnects forever with capped backoff.
 *
 * @example
 * const { client, ready } = ownClient('redis://127.0.0.1:6379')
 * await ready()
 */
export function ownClient(url: string): OwnClient {
  const { Redis } = requireOptional<typeof import('ioredis')>('ioredis', 'redisStore()')
  const client = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, MAX_RECONNECT_DELAY),
  })
  // Each failed (re)connection emits 'error'; kept for the 503's message instead of ioredis's console warning.
  let lastError: unknown = new Error('not connected')
  client.on('error', (err: unknown) => {
    lastError = err
  })
  let waiting: Promise<void> | undefined
  const ready = (): Promise<void> => {
    const status = client.status
    if (status === 'ready') return Promise.resolve()
    // Redis went away: fail now rather than wait out the backoff. 'end' only follows close().
    if (status === 'reconnecting' || status === 'close' || status === 'end') return Promise.reject(unavailable('redis', lastError))
    // 'wait', 'connecting', 'connect': a connection is being made; one shared wait, so listeners do not pile up.
    waiting ??= connected(client, () => lastError).finally(() => {
      waiting = undefined
    })
    return waiting
  }
  return { client, ready }
}

// Settles on the connection's outcome: 'ready', or 'close' when the attempt failed.
function connected(client: Redis, why: () => unknown): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = (): void => {
      client.off('ready', onReady)
      client.off('close', onClose)
    }
    const onReady = (): void => {
      done()
      resolve()
    }
    const onClose = (): void => {
      done()
      reject(unavailable('redis', why()))
    }
    client.on('ready', onReady)
    client.on('close', onClose)
  })
}
