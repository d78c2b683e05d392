// Types of verify.mjs, for the TypeScript test that runs it.

/** What every check's `run` takes: the server's base URL and a database client. */
export interface VerifyContext {
  base: string
  close(): Promise<void>
}

/** One rule; `test` is the TFB test type it belongs to. */
export interface Check {
  test: string
  name: string
  run(ctx: VerifyContext): Promise<void>
}

export interface Outcome {
  test: string
  name: string
  error: string | null
}

export const CHECKS: readonly Check[]
export function openContext(base: string, databaseUrl: string): Promise<VerifyContext>
export function verify(base: string, databaseUrl: string, tests?: readonly string[]): Promise<Outcome[]>
export function expectedFortunes(): string
