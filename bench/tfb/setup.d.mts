// Types of setup.mjs, for the TypeScript test that uses it.

export const FORTUNES: readonly { id: number; message: string }[]
export const WORLD_ROWS: number
export function databaseUrl(name: string): string
export function createDatabase(name: string): Promise<string>
export function dropDatabase(name: string): Promise<void>
