export { ShardedMap } from './map.js';
export { ShardedCache } from './cache/cache.js';
export type { ShardedCacheHandle, ShardedCacheOptions, ShardedCacheStats } from './cache/cache.js';
export { threadToken } from './owners.js';
export type { ShardedMapHandle, ShardedMapOptions } from './buffer.js';
export type { CompiledModule, SharedMemory } from './wasm-api.js';
export type { AddableValue, JsonValue, KeyCodecName, KeyCodecsFor, KeyOfCodec, ValueCodecName, ValueCodecsFor, ValueOfCodec } from './types.js';
export type { LockHolder, ShardedMapStats } from './stats.js';
export type { ShardMapError, ShardMapErrorCode } from './errors.js';
