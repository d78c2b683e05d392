/** The Lua scripts that make compareAndSet and increment atomic on Redis, run by hash with a fallback. */
import { createHash } from 'node:crypto'
import type { Redis } from 'ioredis'

/** A script and its SHA-1, the name Redis caches it under. */
export interface Script {
  readonly source: string
  readonly sha: string
}

function script(source: string): Script {
  return { source, sha: createHash('sha1').update(source).digest('hex') }
}

/**
 * KEYS[1] the key; ARGV[1] `1` if a value is expected (ARGV[2]), `0` if the key must be absent; ARGV[3] `1`
 * to set ARGV[4], `0` to delete; ARGV[5] the ttl in ms, `0` for none. Lua strings compare byte for byte.
 * Returns 1 when it changed the key, 0 when the current value was not the expected one.
 */
export const COMPARE_AND_SET = script(`
local current = redis.call('GET', KEYS[1])
if ARGV[1] == '1' then
  if current ~= ARGV[2] then return 0 end
elseif current then
  return 0
end
if ARGV[3] == '0' then
  redis.call('DEL', KEYS[1])
elseif ARGV[5] == '0' then
  redis.call('SET', KEYS[1], ARGV[4])
else
  redis.call('SET', KEYS[1], ARGV[4], 'PX', ARGV[5])
end
return 1
`)

/**
 * KEYS[1] the counter; ARGV[1] the amount; ARGV[2] the ttl in ms for a counter this call creates, `0` for
 * none. An existing counter keeps its expiry. Returns the new count.
 */
export const INCREMENT = script(`
local created = redis.call('EXISTS', KEYS[1]) == 0
local count = redis.call('INCRBY', KEYS[1], ARGV[1])
if created and ARGV[2] ~= '0' then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return count
`)

/**
 * Runs `s` with one key by its hash (EVALSHA), and sends the source (EVAL) when Redis does not have it cached
 * yet — after a restart or a SCRIPT FLUSH. Works on any client without changing it.
 *
 * @example
 * const changed = await runScript(client, COMPARE_AND_SET, 'k', ['0', '', '1', value, '0'])
 */
export async function runScript(client: Redis, s: Script, key: string, args: (string | Buffer)[]): Promise<unknown> {
  try {
    return await client.evalsha(s.sha, 1, key, ...args)
  } catch (err) {
    if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err
    return client.eval(s.source, 1, key, ...args)
  }
}
