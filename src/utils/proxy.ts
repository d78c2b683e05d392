/** The client address behind proxies, as far as the app trusts them. */
import type { IncomingMessage } from 'node:http'

/**
 * Which proxies may say who the client is (`X-Forwarded-For`, `-Proto`, `-Host`):
 * `false` none (default); `true` all (the leftmost address wins); a number: that many hops from
 * the server; a list of proxy addresses; or a function of an address and its hop index.
 */
export type TrustProxy = boolean | number | readonly string[] | ((addr: string, hop: number) => boolean)

/** The client IP per the trust setting; the socket address when nothing is trusted. */
export function clientIp(req: IncomingMessage, trust: TrustProxy): string {
  const socketAddr = req.socket?.remoteAddress ?? ''
  if (trust === false || trust === 0) return socketAddr
  const raw = req.headers['x-forwarded-for']
  if (!raw) return socketAddr
  // Nearest hop last: socket address, then the forwarded list read right to left.
  const chain = [socketAddr, ...String(raw).split(',').map((s) => s.trim()).filter(Boolean).reverse()]
  if (trust === true) return chain[chain.length - 1]!
  const trusted = toPredicate(trust)
  let i = 0
  while (i < chain.length - 1 && trusted(chain[i]!, i)) i++
  return chain[i]!
}

function toPredicate(trust: number | readonly string[] | ((addr: string, hop: number) => boolean)) {
  if (typeof trust === 'number') return (_: string, hop: number) => hop < trust
  if (typeof trust === 'function') return trust
  const set = new Set(trust.map(unmap))
  return (addr: string) => set.has(unmap(addr))
}

function unmap(addr: string): string {
  return addr.startsWith('::ffff:') ? addr.slice(7) : addr
}
