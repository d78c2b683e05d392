/** The run mode switch, like `GIN_MODE`: `WEIR_MODE=debug|release|test`. */

/** `debug` shows internals (stacks, bodies in logs); `release` hides them; `test` is quiet. */
export type Mode = 'debug' | 'release' | 'test'

const MODES: ReadonlySet<string> = new Set(['debug', 'release', 'test'])

/**
 * Resolves the mode: the explicit option, else `WEIR_MODE`, else `release` when `NODE_ENV=production`,
 * `test` when `NODE_ENV=test`, else `debug`. An unknown value throws `TypeError`.
 */
export function resolveMode(explicit?: string, env: NodeJS.ProcessEnv = process.env): Mode {
  const value = explicit ?? env.WEIR_MODE
  if (value !== undefined && value !== '') {
    if (!MODES.has(value)) throw new TypeError(`Unknown mode ${JSON.stringify(value)}: use debug, release or test`)
    return value as Mode
  }
  if (env.NODE_ENV === 'production') return 'release'
  if (env.NODE_ENV === 'test') return 'test'
  return 'debug'
}
