/** A small built-in table of media types by extension, so the core needs no MIME database (`serveStatic` uses `mime-types`). */

const UTF8 = '; charset=utf-8'

// Text types carry a charset; the rest are sent as is. Sources: IANA media types, WHATWG MIME Sniffing.
const TYPES: Readonly<Record<string, string>> = {
  html: `text/html${UTF8}`,
  htm: `text/html${UTF8}`,
  css: `text/css${UTF8}`,
  js: `text/javascript${UTF8}`,
  mjs: `text/javascript${UTF8}`,
  cjs: `text/javascript${UTF8}`,
  json: 'application/json',
  map: 'application/json',
  webmanifest: 'application/manifest+json',
  jsonld: 'application/ld+json',
  txt: `text/plain${UTF8}`,
  text: `text/plain${UTF8}`,
  log: `text/plain${UTF8}`,
  md: `text/markdown${UTF8}`,
  csv: `text/csv${UTF8}`,
  tsv: `text/tab-separated-values${UTF8}`,
  xml: `application/xml`,
  rss: 'application/rss+xml',
  atom: 'application/atom+xml',
  yaml: `application/yaml`,
  yml: `application/yaml`,
  ics: `text/calendar${UTF8}`,
  svg: 'image/svg+xml',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  ico: 'image/vnd.microsoft.icon',
  bmp: 'image/bmp',
  tif: 'image/tiff',
  tiff: 'image/tiff',
  mp3: 'audio/mpeg',
  m4a: 'audio/mp4',
  ogg: 'audio/ogg',
  oga: 'audio/ogg',
  wav: 'audio/wav',
  flac: 'audio/flac',
  mp4: 'video/mp4',
  m4v: 'video/mp4',
  webm: 'video/webm',
  ogv: 'video/ogg',
  mov: 'video/quicktime',
  woff: 'font/woff',
  woff2: 'font/woff2',
  ttf: 'font/ttf',
  otf: 'font/otf',
  pdf: 'application/pdf',
  zip: 'application/zip',
  gz: 'application/gzip',
  tar: 'application/x-tar',
  br: 'application/octet-stream',
  wasm: 'application/wasm',
  bin: 'application/octet-stream',
  msgpack: 'application/msgpack',
  form: 'application/x-www-form-urlencoded',
  urlencoded: 'application/x-www-form-urlencoded',
  multipart: 'multipart/form-data',
}

/**
 * The media type of an extension, a file name or a short name (`'json'`, `'.css'`, `'a/b.png'`), or
 * `undefined` when the table does not know it. Text types include `; charset=utf-8`.
 *
 * @example
 * mimeType('index.html') // 'text/html; charset=utf-8'
 * mimeType('png')        // 'image/png'
 */
export function mimeType(name: string): string | undefined {
  const dot = name.lastIndexOf('.')
  const slash = Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\'))
  const ext = (dot > slash ? name.slice(dot + 1) : slash === -1 ? name : '').toLowerCase()
  return Object.hasOwn(TYPES, ext) ? TYPES[ext] : undefined
}
