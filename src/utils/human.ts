/** Human-readable sizes and durations for logs and stats (elton's `{size-human}`, the seed's `"280.73µs"`). */

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'] as const

/**
 * Bytes in binary units (1 KB = 1024 B), one decimal from KB up, none below.
 *
 * @example
 * sizeHuman(17)        // '17B'
 * sizeHuman(1536)      // '1.5KB'
 * sizeHuman(5_242_880) // '5MB'
 */
export function sizeHuman(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '-'
  if (bytes < 1024) return `${Math.round(bytes)}B`
  let v = bytes
  let i = 0
  while (v >= 1024 && i < UNITS.length - 1) {
    v /= 1024
    i++
  }
  const fixed = v.toFixed(1)
  return `${fixed.endsWith('.0') ? fixed.slice(0, -2) : fixed}${UNITS[i]}`
}

/**
 * A duration given in milliseconds, in the unit that reads best: µs below 1 ms, ms below 1 s, else s.
 *
 * @example
 * latencyHuman(0.28073) // '280.73µs'
 * latencyHuman(12.3456) // '12.35ms'
 * latencyHuman(1500)    // '1.5s'
 */
export function latencyHuman(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '-'
  if (ms < 1) return `${trim((ms * 1000).toFixed(2))}µs`
  if (ms < 1000) return `${trim(ms.toFixed(2))}ms`
  return `${trim((ms / 1000).toFixed(2))}s`
}

function trim(fixed: string): string {
  if (!fixed.includes('.')) return fixed
  return fixed.replace(/\.?0+$/, '')
}
