import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createApp } from '../../index.js'
import { consoleLogger } from '../../utils/console-logger.js'
import { type HstsOptions, type SecureHeadersOptions, secureHeaders } from './index.js'

function serve(options?: SecureHeadersOptions) {
  const app = createApp({ mode: 'test', logger: consoleLogger('silent'), trustProxy: true })
  app.use(secureHeaders(options))
  app.get('/t', (c) => c.header('x-powered-by', 'Express').text('ok'))
  app.get('/frame', (c) => c.header('x-frame-options', 'DENY').text('framed'))
  app.get('/boom', () => {
    throw new Error('boom')
  })
  return (path = '/t', headers: Record<string, string> = {}) => app.request(path, { headers })
}

const DEFAULT_CSP =
  "default-src 'self'; base-uri 'self'; font-src 'self' https: data:; form-action 'self'; frame-ancestors 'self'; img-src 'self' data:; " +
  "object-src 'none'; script-src 'self'; script-src-attr 'none'; style-src 'self' https: 'unsafe-inline'; upgrade-insecure-requests"

describe('secureHeaders', () => {
  it('sets the helmet defaults and removes X-Powered-By', async () => {
    const res = await serve()()
    const want: Record<string, string | null> = {
      'content-security-policy': DEFAULT_CSP,
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'SAMEORIGIN',
      'referrer-policy': 'no-referrer',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-resource-policy': 'same-origin',
      'cross-origin-embedder-policy': null,
      'origin-agent-cluster': '?1',
      'x-dns-prefetch-control': 'off',
      'x-permitted-cross-domain-policies': 'none',
      'x-xss-protection': '0',
      'strict-transport-security': null,
      'x-powered-by': null,
    }
    for (const [name, value] of Object.entries(want)) assert.equal(res.headers.get(name), value, name)
  })

  it('sends HSTS on HTTPS only (a trusted X-Forwarded-Proto counts)', async () => {
    const get = serve()
    assert.equal((await get('/t')).headers.get('strict-transport-security'), null)
    const tls = await get('/t', { 'x-forwarded-proto': 'https' })
    assert.equal(tls.headers.get('strict-transport-security'), 'max-age=31536000; includeSubDomains')
    const custom = await serve({ strictTransportSecurity: { maxAge: 31_536_000, preload: true } })('/t', { 'x-forwarded-proto': 'https' })
    assert.equal(custom.headers.get('strict-transport-security'), 'max-age=31536000; includeSubDomains; preload')
  })

  it('keeps the headers on error answers and lets a handler override one', async () => {
    const get = serve()
    const boom = await get('/boom')
    assert.deepEqual([boom.status, boom.headers.get('x-content-type-options')], [500, 'nosniff'])
    assert.equal((await get('/frame')).headers.get('x-frame-options'), 'DENY')
  })

  it('drops or replaces headers by option', async () => {
    const res = await serve({ xFrameOptions: false, referrerPolicy: 'strict-origin-when-cross-origin', crossOriginEmbedderPolicy: 'require-corp', remove: [] })()
    assert.deepEqual(
      ['x-frame-options', 'referrer-policy', 'cross-origin-embedder-policy', 'x-powered-by'].map((h) => res.headers.get(h)),
      [null, 'strict-origin-when-cross-origin', 'require-corp', 'Express'],
    )
  })

  it('builds the CSP from directives: merged, camelCase, removed, report-only, per-request functions', async () => {
    const merged = await serve({
      contentSecurityPolicy: { directives: { imgSrc: ["'self'", 'https://cdn.example.com'], 'upgrade-insecure-requests': null } },
    })()
    const csp = merged.headers.get('content-security-policy')!
    assert.match(csp, /img-src 'self' https:\/\/cdn\.example\.com/)
    assert.doesNotMatch(csp, /upgrade-insecure-requests/)
    let n = 0
    const own = await serve({
      contentSecurityPolicy: { useDefaults: false, reportOnly: true, directives: { 'script-src': () => `'nonce-${++n}'`, 'default-src': "'none'" } },
    })()
    assert.equal(own.headers.get('content-security-policy'), null)
    assert.equal(own.headers.get('content-security-policy-report-only'), "script-src 'nonce-1'; default-src 'none'")
    assert.equal((await serve({ contentSecurityPolicy: false })()).headers.get('content-security-policy'), null)
  })

  it('answers 500 rather than send a directive function result that would inject a directive', async () => {
    const res = await serve({ contentSecurityPolicy: { directives: { 'script-src': () => "'self'; script-src *" } } })()
    assert.equal(res.status, 500)
  })

  it('refuses bad options when built', () => {
    const bad: SecureHeadersOptions[] = [
      { referrerPolicy: 'a\r\nb' },
      { xFrameOptions: 42 as unknown as 'DENY' },
      { strictTransportSecurity: { maxAge: -5 } },
      { strictTransportSecurity: { preload: true, includeSubDomains: false } },
      { contentSecurityPolicy: { directives: { 'script-src': ["'self'; object-src *"] } } },
      { contentSecurityPolicy: { directives: { 'bad name!': [] } } },
    ]
    for (const o of bad) assert.throws(() => secureHeaders(o), TypeError, JSON.stringify(o))
  })

  it('refuses values the specs do not define, naming the option and the allowed values', () => {
    const bad: Array<[SecureHeadersOptions, RegExp]> = [
      [{ referrerPolicy: 'no-referer' }, /referrerPolicy.*no-referrer-when-downgrade.*unsafe-url/],
      [{ referrerPolicy: 'origin, everywhere' }, /referrerPolicy/],
      [{ referrerPolicy: 'NO-REFERRER' }, /referrerPolicy/],
      [{ referrerPolicy: '' }, /referrerPolicy/],
      [{ crossOriginOpenerPolicy: 'same-site' }, /crossOriginOpenerPolicy.*unsafe-none.*same-origin-allow-popups.*noopener-allow-popups/],
      [{ crossOriginEmbedderPolicy: 'require-cors' }, /crossOriginEmbedderPolicy.*unsafe-none.*require-corp.*credentialless/],
      [{ crossOriginResourcePolicy: 'cross-site' }, /crossOriginResourcePolicy.*same-site.*same-origin.*cross-origin/],
      [{ xFrameOptions: 'deNY' as 'DENY' }, /xFrameOptions.*DENY.*SAMEORIGIN/],
      [{ xFrameOptions: 'ALLOW-FROM https://a.example' as 'DENY' }, /xFrameOptions/],
      [{ strictTransportSecurity: { maxage: 60 } as unknown as HstsOptions }, /strictTransportSecurity.*maxage.*maxAge, includeSubDomains, preload/],
      [{ strictTransportSecurity: { maxAge: 60, includeSubdomains: true } as unknown as HstsOptions }, /strictTransportSecurity.*includeSubdomains/],
      [{ strictTransportSecurity: { includeSubDomains: 'yes' } as unknown as HstsOptions }, /strictTransportSecurity\.includeSubDomains/],
      [{ strictTransportSecurity: 'max-age=5' as unknown as HstsOptions }, /strictTransportSecurity/],
      [{ xContentTypeOptions: 'sniff' as 'nosniff' }, /xContentTypeOptions.*nosniff/],
      [{ xDnsPrefetchControl: 'maybe' as 'on' }, /xDnsPrefetchControl.*on.*off/],
      [{ originAgentCluster: 'true' }, /originAgentCluster.*\?1.*\?0/],
      [{ xPermittedCrossDomainPolicies: 'some' }, /xPermittedCrossDomainPolicies.*none.*master-only.*by-content-type.*all/],
    ]
    for (const [o, message] of bad) assert.throws(() => secureHeaders(o), (err: Error) => err instanceof TypeError && message.test(err.message), JSON.stringify(o))
  })

  it('accepts every value the specs define, and Referrer-Policy fallback lists', async () => {
    const good: SecureHeadersOptions[] = [
      ...['no-referrer', 'no-referrer-when-downgrade', 'same-origin', 'origin', 'strict-origin', 'origin-when-cross-origin', 'strict-origin-when-cross-origin', 'unsafe-url'].map(
        (referrerPolicy) => ({ referrerPolicy }),
      ),
      ...['unsafe-none', 'same-origin-allow-popups', 'same-origin', 'noopener-allow-popups'].map((crossOriginOpenerPolicy) => ({ crossOriginOpenerPolicy })),
      ...['unsafe-none', 'require-corp', 'credentialless'].map((crossOriginEmbedderPolicy) => ({ crossOriginEmbedderPolicy })),
      ...['same-site', 'same-origin', 'cross-origin'].map((crossOriginResourcePolicy) => ({ crossOriginResourcePolicy })),
      { xFrameOptions: 'DENY' },
      { xFrameOptions: 'SAMEORIGIN' },
      { crossOriginOpenerPolicy: 'same-origin; report-to="coop"' },
      { strictTransportSecurity: { maxAge: 60, includeSubDomains: false, preload: false } },
    ]
    for (const o of good) assert.doesNotThrow(() => secureHeaders(o), JSON.stringify(o))
    const res = await serve({ referrerPolicy: ['no-referrer', 'strict-origin-when-cross-origin'] })()
    assert.equal(res.headers.get('referrer-policy'), 'no-referrer, strict-origin-when-cross-origin')
    assert.equal((await serve({ referrerPolicy: 'origin,unsafe-url' })()).headers.get('referrer-policy'), 'origin, unsafe-url')
  })

  it('honours skip', async () => {
    assert.equal((await serve({ skip: () => true })()).headers.get('x-content-type-options'), null)
  })
})
