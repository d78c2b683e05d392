// weir with websocket({ text: 'buffer' }) on /echo: text messages reach the handler as the bytes received and go
// back as text, with no decode and no encode; otherwise weir.mjs. Run with `node --import tsx`.
process.env.BENCH_WS_TEXT = 'buffer'
await import('./weir.mjs')
