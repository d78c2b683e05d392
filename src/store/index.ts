/**
 * `weir/store`: one small interface over every storage medium — memory and file built in; Redis, MySQL,
 * memcached, etcd and SQLite at `weir/store/<name>` — and the operations sessions, caches and rate limits
 * build on it.
 */
export type { Store, StoreOptions, StoreValue } from './types.js'
export { type Lock, type UpdateOptions, deadline, jsonCodec, lock, update } from './helpers.js'
export { type MemoryStoreOptions, memoryStore } from './memory/index.js'
export { type FileStoreOptions, fileStore } from './file/index.js'
