/** An etcd3 client that fails fast while etcd is down and reconnects by itself when it is back. */
import type { Etcd3, IOptions } from 'etcd3'
import { requireOptional } from '../../utils/optional.js'

type Policy = NonNullable<NonNullable<IOptions['faultHandling']>['global']>

const never = new AbortController().signal
const noListener = () => ({ dispose() {} })

/**
 * Runs each call once. etcd3's default retries a failed call on other hosts and opens a circuit breaker
 * for 5 s after three failures; the store's own deadline already bounds each call, and its caller decides
 * whether to retry. A failed connection is still dropped by etcd3 and dialled again on the next call.
 */
const once = {
  execute<T>(fn: (context: { signal: AbortSignal }) => PromiseLike<T> | T, signal?: AbortSignal): Promise<T> {
    return Promise.resolve().then(() => fn({ signal: signal ?? never }))
  },
  onSuccess: noListener,
  onFailure: noListener,
} as unknown as Policy

/**
 * A client for `hosts` whose calls each carry a gRPC deadline of `timeout` ms, dial within it, and are not
 * retried: while etcd is down they reject at once (or at the deadline), and work again when it is back.
 *
 * @example
 * const client = connect(['http://127.0.0.1:2379'], 1000)
 */
export function connect(hosts: string[], timeout: number): Etcd3 {
  const { Etcd3 } = requireOptional<typeof import('etcd3')>('etcd3', 'etcdStore()')
  return new Etcd3({
    hosts,
    dialTimeout: timeout,
    faultHandling: { host: () => once, global: once },
    defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + timeout }),
    // Reconnect soon after a restart rather than after gRPC's default backoff of up to two minutes.
    grpcOptions: { 'grpc.initial_reconnect_backoff_ms': 100, 'grpc.max_reconnect_backoff_ms': 1_000 },
  })
}
