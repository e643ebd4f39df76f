/**
 * Every error @shardmap/redis throws or rejects with, as factories with a Node-style `.code`.
 * The codes the core already has keep their meaning (ERR_SHARDMAP_OPTION, _KEY, _VALUE,
 * _BAD_BUFFER, _DISPOSED); ERR_SHARDMAP_REDIS is this package's own: Redis could not be reached,
 * or refused the command. Errors from the ShardedCache (its options) pass through unchanged.
 */

export type NearCacheErrorCode =
  | 'ERR_SHARDMAP_OPTION'
  | 'ERR_SHARDMAP_KEY'
  | 'ERR_SHARDMAP_VALUE'
  | 'ERR_SHARDMAP_BAD_BUFFER'
  | 'ERR_SHARDMAP_DISPOSED'
  | 'ERR_SHARDMAP_REDIS';

export interface NearCacheError extends Error {
  code: NearCacheErrorCode;
}

function withCode<E extends Error>(error: E, code: NearCacheErrorCode): E & NearCacheError {
  return Object.assign(error, { code });
}

export function optionError(option: string, why: string): RangeError & NearCacheError {
  return withCode(new RangeError(`@shardmap/redis: option '${option}' ${why}`), 'ERR_SHARDMAP_OPTION');
}

export function keyError(key: unknown, prefix: string): TypeError & NearCacheError {
  const what = typeof key === 'string' ? (key.length > 40 ? `a string of length ${key.length}` : JSON.stringify(key)) : typeof key;
  const why = typeof key === 'string' ? `does not start with the prefix ${JSON.stringify(prefix)}` : 'is not a string';
  return withCode(new TypeError(`@shardmap/redis: key ${what} ${why}`), 'ERR_SHARDMAP_KEY');
}

export function valueError(why: string): TypeError & NearCacheError {
  return withCode(new TypeError(`@shardmap/redis: ${why}`), 'ERR_SHARDMAP_VALUE');
}

export function badHandleError(why: string): Error & NearCacheError {
  return withCode(new Error(`@shardmap/redis: attach() needs a NearCache handle: ${why}`), 'ERR_SHARDMAP_BAD_BUFFER');
}

export function closedError(method: string): Error & NearCacheError {
  return withCode(new Error(`@shardmap/redis: ${method}() called after close()`), 'ERR_SHARDMAP_DISPOSED');
}

/** Redis unreachable, or a command it refused; the client's error is the `cause`. */
export function redisError(what: string, cause: unknown): Error & NearCacheError {
  const message = cause instanceof Error ? cause.message : String(cause);
  return withCode(new Error(`@shardmap/redis: ${what}: ${message}`, { cause }), 'ERR_SHARDMAP_REDIS');
}
