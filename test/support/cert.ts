// A self-signed certificate for TLS tests: made by `openssl req -x509` in a temp dir, removed when the test
// file ends. Valid for `localhost` and 127.0.0.1, one day; clients skip verification (`-k`,
// `rejectUnauthorized: false`, `--ignore-certificate-errors`) or trust `cert` as their CA.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after } from 'node:test'

/** A key and certificate, PEM, and where they are on disk (for curl's `--cacert`, h2load, …). */
export interface TestCert {
  key: string
  cert: string
  keyFile: string
  certFile: string
}

/**
 * Makes a fresh self-signed certificate for `localhost`; the temp dir goes when the test file ends.
 *
 * @example
 * const { key, cert } = selfSignedCert()
 * await app.listen({ port: 0, tls: { key, cert }, http2: true })
 */
export function selfSignedCert(): TestCert {
  const dir = mkdtempSync(join(tmpdir(), 'weir-cert-'))
  after(() => rmSync(dir, { recursive: true, force: true }))
  const keyFile = join(dir, 'key.pem')
  const certFile = join(dir, 'cert.pem')
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
  ], { stdio: 'ignore' })
  return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8'), keyFile, certFile }
}
