/**
 * Runs the official RealWorld Postman collection with newman against a base URL, and works out from the
 * collection's JSON how many requests and assertions a complete run executes — so a run that silently did
 * nothing (or skipped a script) cannot pass as green.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

/** The pinned official suite (spec/SOURCE.md says where it comes from). */
export const COLLECTION = fileURLToPath(new URL('./spec/Conduit.postman_collection.json', import.meta.url))

/** One executed request as the run saw it. */
export interface Execution {
  name: string
  /** Names of the assertions its test script ran. */
  assertions: string[]
  /** The response body parsed as JSON, or `undefined`. */
  body: unknown
}

/** What a run did. */
export interface RunResult {
  requests: { total: number; failed: number }
  assertions: { total: number; failed: number }
  failures: string[]
  executions: Execution[]
}

interface Summary {
  run: {
    stats: { requests: { total: number; failed: number }; assertions: { total: number; failed: number } }
    failures: Array<{ error: { message: string }; source?: { name?: string } }>
    executions: Array<{ item: { name: string }; response?: { stream?: Buffer }; assertions?: Array<{ assertion: string }> }>
  }
}

type Newman = { run(options: object, done: (err: Error | null, summary: Summary) => void): void }

/**
 * Runs the collection against `apiUrl` (ending in `/api`) with fresh user globals, 1 ms between requests
 * (newman 6 refuses 0), and no reporter output.
 *
 * @example
 * const result = await runCollection('http://127.0.0.1:3000/api', { USERNAME: 'u1', EMAIL: 'u1@example.com', PASSWORD: 'secret-123' })
 */
export function runCollection(apiUrl: string, user: { USERNAME: string; EMAIL: string; PASSWORD: string }): Promise<RunResult> {
  const newman = createRequire(import.meta.url)('newman') as Newman
  const globals = Object.entries({ APIURL: apiUrl, ...user }).map(([key, value]) => ({ key, value, type: 'string' }))
  return new Promise((resolve, reject) => {
    newman.run(
      { collection: COLLECTION, globals: { values: globals }, delayRequest: 1, timeoutRequest: 15_000, reporters: [] },
      (err, summary) => {
        if (err) return reject(err)
        const { stats, failures, executions } = summary.run
        resolve({
          requests: { total: stats.requests.total, failed: stats.requests.failed },
          assertions: { total: stats.assertions.total, failed: stats.assertions.failed },
          failures: failures.map((f) => `${f.source?.name ?? '?'}: ${f.error.message}`),
          executions: executions.map((e) => ({ name: e.item.name, assertions: (e.assertions ?? []).map((a) => a.assertion), body: parse(e.response?.stream) })),
        })
      },
    )
  })
}

/** One request of the collection: its name and its test script. */
export interface CollectionItem {
  name: string
  script: string
}

interface PostmanItem {
  name: string
  item?: PostmanItem[]
  event?: Array<{ listen: string; script: { exec: string[] } }>
}

/** The collection's requests, in the order newman runs them; a folder's (and the collection's) test scripts run for each request in it. */
export function collectionItems(path = COLLECTION): CollectionItem[] {
  const tests = (node: PostmanItem) => (node.event ?? []).filter((e) => e.listen === 'test').flatMap((e) => e.script.exec)
  const walk = (items: PostmanItem[], inherited: string[]): CollectionItem[] =>
    items.flatMap((it) =>
      it.item !== undefined ? walk(it.item, [...inherited, ...tests(it)]) : [{ name: it.name, script: [...inherited, ...tests(it)].join('\n') }],
    )
  const collection = JSON.parse(readFileSync(path, 'utf8')) as PostmanItem & { item: PostmanItem[] }
  return walk(collection.item, tests(collection))
}

/**
 * The assertions a test script runs against `body`, read from its source: every `tests['…']` and
 * `pm.test('…')` name, except those inside an `if (responseJSON.<list>.length) { … } else { … }` branch
 * the response does not take. Other conditions in these scripts (`if (is200Response)`, the
 * integration-test switch) hold on a passing run; if one does not, its assertion fails and the run fails.
 */
export function expectedAssertions(script: string, body: unknown): string[] {
  let kept = script
  for (;;) {
    const branch = /if\s*\(\s*responseJSON\.(\w+)\.length\s*\)\s*\{/.exec(kept)
    if (branch === null) break
    const thenEnd = closing(kept, branch.index + branch[0].length - 1)
    const elseMatch = /^\s*else\s*\{/.exec(kept.slice(thenEnd + 1))
    const elseStart = elseMatch === null ? -1 : thenEnd + 1 + elseMatch[0].length - 1
    const end = elseStart === -1 ? thenEnd : closing(kept, elseStart)
    const list = (body as Record<string, unknown> | undefined)?.[branch[1] as string]
    const taken = Array.isArray(list) && list.length > 0
    const inner = taken ? kept.slice(branch.index + branch[0].length, thenEnd) : elseStart === -1 ? '' : kept.slice(elseStart + 1, end)
    kept = kept.slice(0, branch.index) + inner + kept.slice(end + 1)
  }
  const names = new Set<string>()
  for (const m of kept.matchAll(/(?:tests\[|pm\.test\(\s*)(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")/g)) {
    names.add((m[1] ?? m[2] ?? '').replace(/\\(.)/g, '$1'))
  }
  return [...names]
}

/** The index of the `}` closing the `{` at `open`. Braces in these scripts' strings and regexps are balanced. */
function closing(source: string, open: number): number {
  let depth = 0
  for (let i = open; i < source.length; i++) {
    if (source[i] === '{') depth++
    else if (source[i] === '}' && --depth === 0) return i
  }
  throw new Error(`unbalanced braces in a test script at ${open}`)
}

function parse(stream: Buffer | undefined): unknown {
  try {
    return stream === undefined ? undefined : JSON.parse(stream.toString())
  } catch {
    return undefined
  }
}
