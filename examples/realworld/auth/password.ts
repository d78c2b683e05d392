/** Password hashes with node:crypto's scrypt: a random salt per password, compared in constant time. */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto'

const KEY_LENGTH = 64
// OWASP's scrypt minimum (N=2^17, r=8, p=1) needs 128 MiB per hash; N=2^15 keeps it at 32 MiB for a demo app.
const COST = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }

function derive(password: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, COST, (err, key) => (err ? reject(err) : resolve(key)))
  })
}

/**
 * `scrypt$<salt>$<hash>` (base64url), for the database.
 *
 * @example
 * const stored = await hashPassword('correct horse battery staple')
 */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16)
  return `scrypt$${salt.toString('base64url')}$${(await derive(password, salt)).toString('base64url')}`
}

/**
 * Whether `password` matches a hash made by {@link hashPassword}. Without a hash (unknown user) it still
 * derives a key, so a wrong e-mail and a wrong password take the same time.
 *
 * @example
 * if (!(await verifyPassword(input, user?.password))) throw unauthorized()
 */
export async function verifyPassword(password: string, stored: string | undefined): Promise<boolean> {
  const [scheme, salt, hash] = (stored ?? '').split('$')
  if (scheme !== 'scrypt' || salt === undefined || hash === undefined) {
    await derive(password, randomBytes(16))
    return false
  }
  const expected = Buffer.from(hash, 'base64url')
  const actual = await derive(password, Buffer.from(salt, 'base64url'))
  return actual.length === expected.length && timingSafeEqual(actual, expected)
}
