export { NearCache, createNearCache } from './near-cache.js';
export type { NearCacheHandle, NearCacheOptions, NearCacheStats } from './near-cache.js';
export type { NearCacheError, NearCacheErrorCode } from './errors.js';
