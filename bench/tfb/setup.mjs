// The TechEmpower database in PostgreSQL: `World` (10,000 rows, ids 1..10000, randomNumber in 1..10000)
// and `Fortune` (the rows of /work/shared/tfb/fortunes.json, copied to bench/tfb/fortunes.json).
// The names are unquoted, so PostgreSQL folds them to `world (id, randomnumber)` and `fortune (id, message)`,
// as in TFB's own create script.
//
//   node bench/tfb/setup.mjs [name]      # (re)creates the database <name> (default weir_tfb)
//   node bench/tfb/setup.mjs --drop name # drops it
//
// The server is PGHOST/PGPORT/PGUSER (default 127.0.0.1:5432, postgres).
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'

const HERE = dirname(fileURLToPath(import.meta.url))

/** The Fortune rows, `{ id, message }`, in id order. */
export const FORTUNES = JSON.parse(readFileSync(join(HERE, 'fortunes.json'), 'utf8'))

/** Rows of the World table. */
export const WORLD_ROWS = 10_000

const NAME = /^[a-z_][a-z0-9_]{0,62}$/

function server() {
  return {
    host: process.env.PGHOST ?? '127.0.0.1',
    port: Number(process.env.PGPORT ?? 5432),
    user: process.env.PGUSER ?? 'postgres',
  }
}

function checkName(name) {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new TypeError(`database name must match ${NAME} (got ${JSON.stringify(name)})`)
  }
  return name
}

/** The connection URL of database `name` on the configured server. */
export function databaseUrl(name) {
  const { host, port, user } = server()
  return `postgres://${encodeURIComponent(user)}@${host}:${port}/${checkName(name)}`
}

async function withAdmin(fn) {
  const client = new pg.Client({ ...server(), database: 'postgres' })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

/** Drops database `name` if it exists, closing any connection left to it. */
export async function dropDatabase(name) {
  checkName(name)
  await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))
}

/**
 * Creates database `name` afresh (dropping an old one) with `World` and `Fortune` filled.
 * Resolves with its connection URL.
 */
export async function createDatabase(name) {
  await dropDatabase(name)
  await withAdmin((c) => c.query(`CREATE DATABASE ${name}`))
  const client = new pg.Client({ ...server(), database: name })
  await client.connect()
  try {
    await client.query('CREATE TABLE World (id integer PRIMARY KEY, randomNumber integer NOT NULL)')
    await client.query('CREATE TABLE Fortune (id integer PRIMARY KEY, message varchar(2048) NOT NULL)')
    await client.query(
      'INSERT INTO World (id, randomNumber) SELECT i, 1 + floor(random() * $1)::int FROM generate_series(1, $1) AS i',
      [WORLD_ROWS],
    )
    await client.query('INSERT INTO Fortune (id, message) SELECT * FROM unnest($1::int[], $2::text[])', [
      FORTUNES.map((f) => f.id),
      FORTUNES.map((f) => f.message),
    ])
    await client.query('ANALYZE')
  } finally {
    await client.end()
  }
  return databaseUrl(name)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2)
  if (args[0] === '--drop') {
    await dropDatabase(args[1] ?? 'weir_tfb')
    console.log(`dropped ${args[1] ?? 'weir_tfb'}`)
  } else {
    console.log(await createDatabase(args[0] ?? 'weir_tfb'))
  }
}
