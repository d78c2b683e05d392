import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { HttpError } from '../../errors.js'
import { runRouterContract } from '../router.case.js'
import { RadixRouter } from './index.js'

runRouterContract('RadixRouter', (opts) => new RadixRouter<string>(opts))

describe('RadixRouter', () => {
  it('refuses bad options when built', () => {
    assert.throws(() => new RadixRouter({ trailingSlash: 'loose' as 'strict' }), TypeError)
    assert.throws(() => new RadixRouter({ maxParamLength: 0 }), TypeError)
    assert.throws(() => new RadixRouter({ maxParamLength: 1.5 }), TypeError)
    assert.throws(() => new RadixRouter({ caseSensitive: 'no' as unknown as boolean }), TypeError)
  })

  it('finds among many static siblings, same first char and empty segment included', () => {
    const r = new RadixRouter<string>()
    const names = ['alpha', 'also', 'al', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta', '']
    for (const n of names) r.add('GET', `/s/${n}/:id`, n)
    for (const n of names) assert.deepEqual(r.find('GET', `/s/${n}/1`)?.value, n, `sibling "${n}"`)
    assert.equal(r.find('GET', '/s/alp/1'), null)
    assert.equal(r.find('GET', '/s/alphas/1'), null)
    assert.equal(r.find('GET', '/s/\u00e9/1'), null)
  })

  it('builds params with the keys in path order', () => {
    const r = new RadixRouter<string>()
    r.add('GET', '/:z/:a/:m/*', 'v')
    assert.deepEqual(Object.keys(r.find('GET', '/1/2/3/4/5')!.params), ['z', 'a', 'm', '*'])
  })

  it('keeps the offsets of a constrained parameter when a deeper branch fails', () => {
    const r = new RadixRouter<string>()
    r.add('GET', '/t/:a(\\d+)/x/:b', 'deep')
    r.add('GET', '/t/:a(\\d+)/:c', 'shallow')
    r.add('GET', '/t/:n/x/y', 'plain')
    assert.deepEqual(r.find('GET', '/t/12/x')!.params, { a: '12', c: 'x' })
    assert.deepEqual(r.find('GET', '/t/12/x/9')!.params, { a: '12', b: '9' })
    assert.deepEqual(r.find('GET', '/t/ab/x/y')!.params, { n: 'ab' })
  })

  it('checks the length before running a constraint', () => {
    const r = new RadixRouter<string>({ maxParamLength: 8 })
    r.add('GET', '/n/:id(\\d+)', 'n')
    assert.throws(() => r.find('GET', '/n/abcdefghi'), (e: unknown) => e instanceof HttpError && e.status === 414)
    assert.equal(r.find('GET', '/n/abcdefgh'), null)
  })

  it('treats prototype property names as ordinary segments and parameter names', () => {
    const r = new RadixRouter<string>()
    for (const p of ['/__proto__', '/constructor', '/x/__proto__/:id', '/y/:constructor']) r.add('GET', p, p)
    assert.equal(r.find('GET', '/__proto__')?.value, '/__proto__')
    assert.equal(r.find('GET', '/constructor')?.value, '/constructor')
    assert.deepEqual(r.find('GET', '/x/__proto__/1')?.params, { id: '1' })
    assert.deepEqual(r.find('GET', '/y/2')?.params, { constructor: '2' })
    assert.equal(r.find('GET', '/toString'), null)
  })

  it('leaves the router unchanged when an add is refused', () => {
    const r = new RadixRouter<string>()
    r.add('GET', '/u', 'u')
    assert.throws(() => r.add('GET', '/u/:id?', 'opt'), TypeError)
    assert.equal(r.find('GET', '/u/1'), null)
    assert.equal(r.routes().length, 1)
  })

  it('lets a router hold routes of many methods without mixing them', () => {
    const r = new RadixRouter<string>()
    r.add('M-SEARCH', '/', 'ssdp')
    r.add('GET', '/', 'get')
    assert.equal(r.find('M-SEARCH', '/')?.value, 'ssdp')
    assert.equal(r.find('get', '/'), null)
    assert.deepEqual(r.miss('POST', '/'), { kind: 'method', allow: 'GET, HEAD, M-SEARCH, OPTIONS' })
  })
})
