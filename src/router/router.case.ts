/** The behaviour every Router implementation honours, as path tables (hono's common.case.test.ts idea). */

import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { HttpError } from '../errors.js'
import type { Params, Router, RouterOptions } from './router.js'

/** A table row: a path, then the pattern it must match (null: no match), then the params expected. */
type Row = readonly [path: string, pattern: string | null, params?: Params]

/** Registers GET routes whose value is the pattern itself, so a match names its route. */
function build(make: (opts?: RouterOptions) => Router<string>, patterns: readonly string[], opts?: RouterOptions) {
  const router = make(opts)
  for (const p of patterns) router.add('GET', p, p)
  return router
}

function check(router: Router<string>, rows: readonly Row[], method = 'GET'): void {
  for (const [path, pattern, params = {}] of rows) {
    const m = router.find(method, path)
    if (pattern === null) {
      assert.equal(m, null, `${method} ${path} should not match, matched ${m?.pattern}`)
      continue
    }
    assert.ok(m !== null, `${method} ${path} should match ${pattern}`)
    assert.equal(m.pattern, pattern, `${method} ${path}`)
    assert.equal(m.value, pattern, `${method} ${path} value`)
    assert.deepEqual(m.params, params, `${method} ${path} params`)
  }
}

function throwsHttp(fn: () => unknown, code: string, status: number): void {
  assert.throws(fn, (err: unknown) => err instanceof HttpError && err.code === code && err.status === status)
}

/** Defines the contract suite for the router made by `make`. */
export function runRouterContract(name: string, make: (opts?: RouterOptions) => Router<string>): void {
  describe(`${name}: router contract`, () => {
    it('matches static paths exactly, the root included', () => {
      const r = build(make, ['/', '/users', '/users/new', '/a/b/c', '/a/b/', '/v1/things:batchGet', '/a//b'])
      check(r, [
        ['/', '/'], ['/users', '/users'], ['/users/new', '/users/new'], ['/a/b/c', '/a/b/c'], ['/a/b/', '/a/b/'],
        ['/v1/things:batchGet', '/v1/things:batchGet'], ['/a//b', '/a//b'],
        ['/users/', null], ['/a/b', null], ['//', null], ['/a/b/c/', null], ['/Users', null], ['/user', null],
        ['', null], ['users', null], ['/users?x=1', null], ['/a/b//c', null],
      ])
    })

    it('captures one non-empty segment per parameter, names stored per route', () => {
      const r = build(make, ['/user/:id', '/user/:name/posts', '/user/:uid/posts/:post', '/a/:x/:y/:z', '/:lang/about'])
      check(r, [
        ['/user/42', '/user/:id', { id: '42' }], ['/user/42/posts', '/user/:name/posts', { name: '42' }],
        ['/user/42/posts/7', '/user/:uid/posts/:post', { uid: '42', post: '7' }],
        ['/a/1/2/3', '/a/:x/:y/:z', { x: '1', y: '2', z: '3' }], ['/en/about', '/:lang/about', { lang: 'en' }],
        ['/user', null], ['/user/', null], ['/user//posts', null], ['/user/42/', null], ['/a/1/2', null],
        ['/a/1//3', null], ['/user/42/posts/7/8', null],
      ])
    })

    it('registers both forms of a last optional parameter; the short form lacks the key', () => {
      const r = build(make, ['/opt/:x?', '/page/:n(\\d+)?', '/:lang?'])
      check(r, [
        ['/opt', '/opt/:x?'], ['/opt/1', '/opt/:x?', { x: '1' }], ['/page', '/page/:n(\\d+)?'],
        ['/page/3', '/page/:n(\\d+)?', { n: '3' }], ['/', '/:lang?'], ['/fr', '/:lang?', { lang: 'fr' }],
        ['/opt/', null], ['/opt/1/2', null], ['/page/x', null],
      ])
      assert.equal('x' in r.find('GET', '/opt')!.params, false)
    })

    it('applies constraints anchored to the whole raw segment', () => {
      const r = build(make, ['/n/:id(\\d+)', '/c/:color(red|blue)', '/h/:hex([0-9a-f]{6})', '/k/:a(\\d+)', '/k/:b([a-z]+)'])
      check(r, [
        ['/n/42', '/n/:id(\\d+)', { id: '42' }], ['/c/red', '/c/:color(red|blue)', { color: 'red' }],
        ['/c/blue', '/c/:color(red|blue)', { color: 'blue' }], ['/h/00ff00', '/h/:hex([0-9a-f]{6})', { hex: '00ff00' }],
        ['/k/7', '/k/:a(\\d+)', { a: '7' }], ['/k/x', '/k/:b([a-z]+)', { b: 'x' }],
        ['/n/4a', null], ['/n/a4', null], ['/n/', null], ['/c/reddish', null], ['/c/xred', null], ['/h/00ff0', null],
        ['/h/00ff00a', null], ['/k/7x', null], ['/n/%31', null],
      ])
    })

    it('matches a last wildcard against the rest after its slash, possibly empty', () => {
      const r = build(make, ['/files/*path', '/static/*', '/files/special'])
      check(r, [
        ['/files/', '/files/*path', { path: '' }], ['/files/a', '/files/*path', { path: 'a' }],
        ['/files/a/b.txt', '/files/*path', { path: 'a/b.txt' }], ['/files/a/', '/files/*path', { path: 'a/' }],
        ['/files/a%2Fb%20c', '/files/*path', { path: 'a/b c' }], ['/files/special', '/files/special'],
        ['/files/special/x', '/files/*path', { path: 'special/x' }], ['/static/x.css', '/static/*', { '*': 'x.css' }],
        ['/files', null], ['/static', null], ['/filesx/a', null],
      ])
      const root = build(make, ['/*rest', '/health'])
      check(root, [['/', '/*rest', { rest: '' }], ['/a/b', '/*rest', { rest: 'a/b' }], ['/health', '/health']])
    })

    it('prefers static, then constrained, then plain, then wildcard, backtracking on dead ends', () => {
      const r = build(make, ['/user/repos', '/user/:id/posts', '/user/:id', '/user/:n(\\d+)/x', '/user/*rest',
        '/p/new', '/p/:id(\\d+)', '/p/:slug', '/a/b/c', '/a/:x/d'])
      check(r, [
        ['/user/repos', '/user/repos'], ['/user/repos/posts', '/user/:id/posts', { id: 'repos' }],
        ['/user/42', '/user/:id', { id: '42' }], ['/user/42/x', '/user/:n(\\d+)/x', { n: '42' }],
        ['/user/42/posts', '/user/:id/posts', { id: '42' }], ['/user/abc/x', '/user/*rest', { rest: 'abc/x' }],
        ['/user/repos/zzz', '/user/*rest', { rest: 'repos/zzz' }], ['/user/', '/user/*rest', { rest: '' }],
        ['/p/new', '/p/new'], ['/p/7', '/p/:id(\\d+)', { id: '7' }], ['/p/seven', '/p/:slug', { slug: 'seven' }],
        ['/a/b/c', '/a/b/c'], ['/a/b/d', '/a/:x/d', { x: 'b' }], ['/a/b/e', null],
      ])
    })

    it('refuses conflicting routes, naming both', () => {
      const pairs: [string, string, string, string, RouterOptions?][] = [
        ['GET', '/user/:id', 'GET', '/user/:name'],
        ['GET', '/a/:x(\\d+)', 'GET', '/a/:y(\\d+)'],
        ['GET', '/files/*path', 'GET', '/files/*'],
        ['GET', '/u', 'GET', '/u/:id?'],
        ['GET', '/u/:a?', 'GET', '/u/:b?'],
        ['GET', '/u/:a?', 'GET', '/u'],
        ['GET', '/a', 'GET', '/a'],
        ['POST', '/x/:id/y', 'POST', '/x/:id/y'],
        ['GET', '/About', 'GET', '/about', { caseSensitive: false }],
      ]
      for (const [m1, p1, m2, p2, opts] of pairs) {
        const r = make(opts)
        r.add(m1, p1, p1)
        assert.throws(() => r.add(m2, p2, p2), (err: unknown) => {
          assert.ok(err instanceof TypeError, `${m2} ${p2} after ${m1} ${p1} should be a TypeError`)
          assert.ok(err.message.includes(`${m1} ${p1}`) && err.message.includes(`${m2} ${p2}`), err.message)
          return true
        })
      }
    })

    it('accepts routes that differ in method, constraint, kind or case', () => {
      const ok: [string, string][][] = [
        [['GET', '/user/:id'], ['POST', '/user/:id']],
        [['GET', '/a/:x(\\d+)'], ['GET', '/a/:y([a-z]+)'], ['GET', '/a/:z'], ['GET', '/a/*']],
        [['GET', '/a'], ['GET', '/a/'], ['GET', '/A']],
        [['GET', '/b/:x'], ['GET', '/b/:y/c'], ['GET', '/b/c']],
      ]
      for (const set of ok) {
        const r = make()
        for (const [m, p] of set) r.add(m, p, p)
        assert.equal(r.routes().length, set.length)
      }
    })

    it('refuses bad patterns and methods with a TypeError', () => {
      const bad = ['user', '', '/a/:', '/a/:1x', '/a/:x-y', '/a/:x/:x', '/a/:x/*x', '/a/*x/b', '/a/*/b', '/a/:x?/b',
        '/a/*x?', '/a/:id(\\d+', '/a/:id()', '/a/:id([)', '/a/:id(a))', '/a/:id((a+)+)', '/a/:id((a*)*)',
        '/a/:id((.*)*)', '/a/:id((a?){2,})', '/a/:id(((ab)+)+)', '/a/:id((\\w+)\\1)', '/a/:id((?<x>a)\\k<x>)',
        '/a b', '/a?b', '/a#b', '/a*b', '/a(b)', '/a/:__proto__', '/a/:id.json', '/a/*-x', '/a\\b']
      for (const p of bad) assert.throws(() => make().add('GET', p, p), TypeError, `pattern ${JSON.stringify(p)}`)
      for (const m of ['get', '', 'GE T', 'G\n']) assert.throws(() => make().add(m, '/', '/'), TypeError, `method ${m}`)
      const good = ['/a/:id(\\d+)', '/a/:id((?:ab)+)', '/a/:id((ab)?)', '/a/:id([(+*)]+)', '/a/:id(\\(+)',
        '/a/:id((?<n>\\d+)-x)', '/a/:$id/:_b', '/a/*', '/a:b/c', '/M-SEARCH']
      for (const p of good) assert.doesNotThrow(() => make().add('GET', p, p), `pattern ${JSON.stringify(p)}`)
    })

    it('percent-decodes parameter values after matching the raw path', () => {
      const r = build(make, ['/user/:id', '/caf\u00e9', '/w/*rest'])
      check(r, [
        ['/user/caf%C3%A9', '/user/:id', { id: 'caf\u00e9' }], ['/user/a%2Fb', '/user/:id', { id: 'a/b' }],
        ['/user/a%20b%25', '/user/:id', { id: 'a b%' }], ['/caf%C3%A9', '/caf\u00e9'], ['/w/%E2%82%AC/x', '/w/*rest', { rest: '\u20ac/x' }],
        ['/caf%c3%a9', null], ['/caf\u00e9', null],
      ])
    })

    it('throws ERR_BAD_PERCENT_ENCODING (400) for a malformed escape', () => {
      const r = build(make, ['/user/:id', '/w/*rest'])
      for (const path of ['/user/%ZZ', '/user/%E0%A4%A', '/user/%', '/user/a%2', '/user/%C3%28', '/w/a/%zz']) {
        throwsHttp(() => r.find('GET', path), 'ERR_BAD_PERCENT_ENCODING', 400)
      }
    })

    it('throws ERR_PARAM_TOO_LONG (414) for a raw value over maxParamLength', () => {
      const r = build(make, ['/user/:id', '/n/:id(\\d+)', '/w/*rest'], { maxParamLength: 10 })
      check(r, [['/user/0123456789', '/user/:id', { id: '0123456789' }], ['/w/abcdefghij', '/w/*rest', { rest: 'abcdefghij' }]])
      for (const path of ['/user/0123456789a', '/n/01234567890', '/w/abcdefghijk', '/w/abcde/ghijk']) {
        throwsHttp(() => r.find('GET', path), 'ERR_PARAM_TOO_LONG', 414)
      }
      const d = build(make, ['/user/:id'])
      assert.equal(d.find('GET', `/user/${'x'.repeat(500)}`)?.params.id?.length, 500)
      throwsHttp(() => d.find('GET', `/user/${'x'.repeat(501)}`), 'ERR_PARAM_TOO_LONG', 414)
    })

    it('explains misses: 405 with a sorted Allow list, or none', () => {
      const r = make()
      for (const [m, p] of [['GET', '/r'], ['POST', '/r'], ['DELETE', '/r/:id'], ['PUT', '/r/:id'], ['HEAD', '/h'], ['GET', '/h']]) {
        r.add(m!, p!, p!)
      }
      assert.deepEqual(r.miss('PATCH', '/r'), { kind: 'method', allow: 'GET, HEAD, OPTIONS, POST' })
      assert.deepEqual(r.miss('GET', '/r/1'), { kind: 'method', allow: 'DELETE, OPTIONS, PUT' })
      assert.deepEqual(r.miss('POST', '/h'), { kind: 'method', allow: 'GET, HEAD, OPTIONS' })
      assert.deepEqual(r.miss('GET', '/nothing'), { kind: 'none' })
      assert.deepEqual(r.miss('GET', '/r/'), { kind: 'none' })
    })

    it('answers OPTIONS misses on existing paths with the Allow list', () => {
      const r = make()
      r.add('GET', '/r', 'g')
      r.add('OPTIONS', '/o', 'o')
      r.add('GET', '/o', 'g')
      assert.equal(r.find('OPTIONS', '/r'), null)
      assert.deepEqual(r.miss('OPTIONS', '/r'), { kind: 'method', allow: 'GET, HEAD, OPTIONS' })
      assert.equal(r.find('OPTIONS', '/o')?.value, 'o')
      assert.deepEqual(r.miss('OPTIONS', '/missing'), { kind: 'none' })
    })

    it('falls back from HEAD to GET only when no HEAD route matches', () => {
      const r = make()
      r.add('GET', '/a/:id', 'get')
      r.add('GET', '/h', 'get')
      r.add('HEAD', '/h', 'head')
      r.add('POST', '/p', 'post')
      assert.deepEqual(r.find('HEAD', '/a/1'), { value: 'get', params: { id: '1' }, pattern: '/a/:id' })
      assert.equal(r.find('HEAD', '/h')?.value, 'head')
      assert.equal(r.find('HEAD', '/p'), null)
      assert.equal(r.find('GET', '/h')?.value, 'get')
    })

    it('treats trailing slashes strictly by default', () => {
      const r = build(make, ['/a', '/b/'])
      check(r, [['/a', '/a'], ['/b/', '/b/'], ['/a/', null], ['/b', null]])
      assert.deepEqual(r.miss('GET', '/a/'), { kind: 'none' })
    })

    it('ignores trailing slashes when asked, the exact form first', () => {
      const r = build(make, ['/a', '/b/', '/u/:id', '/f/*p', '/x', '/x/', '/'], { trailingSlash: 'ignore' })
      check(r, [
        ['/a', '/a'], ['/a/', '/a'], ['/b', '/b/'], ['/b/', '/b/'], ['/u/1/', '/u/:id', { id: '1' }],
        ['/f', '/f/*p', { p: '' }], ['/x', '/x'], ['/x/', '/x/'], ['/', '/'], ['/a//', null],
      ])
      assert.equal(r.find('HEAD', '/a/')?.pattern, '/a')
      assert.deepEqual(r.miss('POST', '/a/'), { kind: 'method', allow: 'GET, HEAD, OPTIONS' })
    })

    it('redirects to the other trailing-slash form when asked, never off-site', () => {
      const r = build(make, ['/a', '/b/', '/u/:id', '//:host'], { trailingSlash: 'redirect' })
      check(r, [['/a/', null], ['/b', null], ['/u/1/', null], ['/a', '/a']])
      assert.deepEqual(r.miss('GET', '/a/'), { kind: 'redirect', location: '/a' })
      assert.deepEqual(r.miss('GET', '/b'), { kind: 'redirect', location: '/b/' })
      assert.deepEqual(r.miss('GET', '/u/1/'), { kind: 'redirect', location: '/u/1' })
      assert.deepEqual(r.miss('HEAD', '/a/'), { kind: 'redirect', location: '/a' })
      assert.deepEqual(r.miss('OPTIONS', '/a/'), { kind: 'redirect', location: '/a' })
      assert.deepEqual(r.miss('POST', '/a/'), { kind: 'none' })
      assert.deepEqual(r.miss('POST', '/a'), { kind: 'method', allow: 'GET, HEAD, OPTIONS' })
      assert.equal(r.find('GET', '//evil.com')?.pattern, '//:host')
      assert.deepEqual(r.miss('GET', '//evil.com/'), { kind: 'none' })
      assert.deepEqual(r.miss('GET', '/'), { kind: 'none' })
    })

    it('matches static segments case-insensitively when asked, keeping the case of parameters', () => {
      check(build(make, ['/users/:id']), [['/Users/1', null]])
      const r = build(make, ['/Users/:Name', '/About', '/caf\u00e9', '/v/:id([a-z]+)'], { caseSensitive: false })
      check(r, [
        ['/users/Bob', '/Users/:Name', { Name: 'Bob' }], ['/USERS/bob', '/Users/:Name', { Name: 'bob' }],
        ['/about', '/About'], ['/ABOUT', '/About'], ['/caf%c3%a9', '/caf\u00e9'], ['/CAF%C3%A9', '/caf\u00e9'],
        ['/v/abc', '/v/:id([a-z]+)', { id: 'abc' }], ['/V/abc', '/v/:id([a-z]+)', { id: 'abc' }], ['/v/ABC', null],
      ])
    })

    it('returns the match allocated at registration for a static route', () => {
      const r = build(make, ['/static/path', '/p/:id'])
      const a = r.find('GET', '/static/path')
      assert.ok(a !== null)
      assert.equal(r.find('GET', '/static/path'), a)
      assert.equal(r.find('HEAD', '/static/path'), a)
      assert.ok(Object.isFrozen(a.params))
      const b = r.find('GET', '/p/1')
      const c = r.find('GET', '/p/1')
      assert.notEqual(b, c)
      assert.notEqual(b?.params, c?.params)
      assert.deepEqual(b?.params, { id: '1' })
    })

    it('lists registered routes in order, an optional pattern once', () => {
      const r = make()
      r.add('GET', '/a/:x?', 'one')
      r.add('POST', '/b', 'two')
      assert.deepEqual(r.routes(), [
        { method: 'GET', pattern: '/a/:x?', value: 'one' },
        { method: 'POST', pattern: '/b', value: 'two' },
      ])
    })
  })
}
