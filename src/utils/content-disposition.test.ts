import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { contentDisposition } from './content-disposition.js'

describe('contentDisposition', () => {
  const cases: Array<[name: string, input: string | undefined, want: string]> = [
    ['no name', undefined, 'attachment'],
    ['plain ASCII', 'report.pdf', 'attachment; filename="report.pdf"'],
    ['quotes are escaped', 'a "b".txt', 'attachment; filename="a \\"b\\".txt"'],
    ['only the last path segment', '../../etc/passwd', 'attachment; filename="passwd"'],
    ['a Windows path too', 'C:\\Users\\me\\notes.txt', 'attachment; filename="notes.txt"'],
    ['Latin-1 gets filename*', 'résumé.pdf', `attachment; filename="r?sum?.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf`],
    ['one ? per code point (emoji)', '😀.png', `attachment; filename="?.png"; filename*=UTF-8''%F0%9F%98%80.png`],
    ["attr-chars RFC 8187 refuses: ' ( ) *", "ü's (1)*.txt", `attachment; filename="?'s (1)*.txt"; filename*=UTF-8''%C3%BC%27s%20%281%29%2A.txt`],
    ['CR/LF cannot inject a header line', 'a\r\nSet-Cookie: x=1.txt', `attachment; filename="a??Set-Cookie: x=1.txt"; filename*=UTF-8''a%0D%0ASet-Cookie%3A%20x%3D1.txt`],
    ['a lone surrogate does not throw', 'a\ud800.txt', `attachment; filename="a?.txt"; filename*=UTF-8''a%EF%BF%BD.txt`],
  ]
  for (const [name, input, want] of cases) {
    it(name, () => assert.equal(contentDisposition(input), want))
  }

  it('inline', () => assert.equal(contentDisposition('photo.jpg', 'inline'), 'inline; filename="photo.jpg"'))

  it('every value is a valid header value', () => {
    for (const [, input] of cases) assert.doesNotMatch(contentDisposition(input), /[\r\n\0]/)
  })
})
