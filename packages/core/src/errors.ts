/**
 * Every error shardmap throws, as factories with a Node-style `.code`. A failed call leaves the
 * map exactly as it was: callers throw before mutating, or undo what they did.
 */

export type ShardMapErrorCode =
  | 'ERR_SHARDMAP_KEY'
  | 'ERR_SHARDMAP_VALUE'
  | 'ERR_SHARDMAP_FULL'
  | 'ERR_SHARDMAP_BAD_BUFFER'
  | 'ERR_SHARDMAP_REENTRANT'
  | 'ERR_SHARDMAP_OPTION'
  | 'ERR_SHARDMAP_CORRUPT'
  | 'ERR_SHARDMAP_NO_SHARED_MEMORY'
  | 'ERR_SHARDMAP_DISPOSED';

export interface ShardMapError extends Error {
  code: ShardMapErrorCode;
}

function withCode<E extends Error>(error: E, code: ShardMapErrorCode): E & ShardMapError {
  return Object.assign(error, { code });
}

function describe(x: unknown): string {
  try {
    return describeUnguarded(x);
  } catch {
    return 'an object that cannot be inspected (a revoked Proxy?)';
  }
}

function describeUnguarded(x: unknown): string {
  if (typeof x === 'string') return x.length > 40 ? `string of length ${x.length}` : JSON.stringify(x);
  if (typeof x === 'bigint') return `${x}n`;
  if (typeof x === 'symbol' || typeof x === 'function') return typeof x;
  if (x === null || typeof x !== 'object') return String(x);
  return Array.isArray(x) ? 'array' : (Object.getPrototypeOf(x)?.constructor?.name ?? 'object');
}

export function keyError(codec: string, key: unknown, why = ''): TypeError & ShardMapError {
  const reason = why ? `: ${why}` : '';
  return withCode(new TypeError(`shardmap: key ${describe(key)} cannot be held by the '${codec}' key codec${reason}`), 'ERR_SHARDMAP_KEY');
}

export function valueError(codec: string, value: unknown, why = ''): TypeError & ShardMapError {
  const reason = why ? `: ${why}` : '';
  return withCode(new TypeError(`shardmap: value ${describe(value)} cannot be held by the '${codec}' value codec${reason}`), 'ERR_SHARDMAP_VALUE');
}

export function notNumericError(why: string): TypeError & ShardMapError {
  return withCode(new TypeError(`shardmap: add() ${why}`), 'ERR_SHARDMAP_VALUE');
}

export function fullError(requested: number, maxBytes: number, why = ''): RangeError & ShardMapError {
  const message = why || `the map needs ${requested} more bytes but its maxBytes ceiling is ${maxBytes}`;
  return withCode(new RangeError(`shardmap: ${message}`), 'ERR_SHARDMAP_FULL');
}

export function badBufferError(why: string): Error & ShardMapError {
  return withCode(new Error(`shardmap: attach() needs a live shardmap buffer: ${why}`), 'ERR_SHARDMAP_BAD_BUFFER');
}

export function reentrantError(method: string): Error & ShardMapError {
  return withCode(
    new Error(`shardmap: ${method}() called from inside an update() callback of the same map (it would deadlock)`),
    'ERR_SHARDMAP_REENTRANT',
  );
}

/** A write to any shardmap structure from user code run under a lock (guard.ts): it could deadlock. */
export function callbackWriteError(method: string): Error & ShardMapError {
  return withCode(
    new Error(`shardmap: ${method}() is a write, called from inside an update() callback (writes from there could deadlock; reads are allowed)`),
    'ERR_SHARDMAP_REENTRANT',
  );
}

export function optionError(option: string, why: string): RangeError & ShardMapError {
  return withCode(new RangeError(`shardmap: option '${option}' ${why}`), 'ERR_SHARDMAP_OPTION');
}

export function noSharedMemoryError(): Error & ShardMapError {
  return withCode(
    new Error(
      'shardmap: SharedArrayBuffer is not available. In a browser the page must be cross-origin isolated: ' +
        "serve it (and its worker scripts) with the headers 'Cross-Origin-Opener-Policy: same-origin' and " +
        "'Cross-Origin-Embedder-Policy: require-corp'.",
    ),
    'ERR_SHARDMAP_NO_SHARED_MEMORY',
  );
}

/** A call on a map instance after its `[Symbol.dispose]()` (the map and its other instances live on). */
export function disposedError(): Error & ShardMapError {
  return withCode(
    new Error('shardmap: this ShardedMap instance was disposed; the map lives on (attach its handle again to use it here)'),
    'ERR_SHARDMAP_DISPOSED',
  );
}

/** An impossible state met under a lock: an offset outside the buffer, a probe longer than the
 *  table, a length that cannot be. `where` names the module that noticed. */
export function corruptError(where: string, why: string): Error & ShardMapError {
  return withCode(new Error(`shardmap: corrupt buffer (${where}): ${why}`), 'ERR_SHARDMAP_CORRUPT');
}

/**
 * corruptError about the table at `table` (shard `s`, or -1 for no shard in the message), with
 * its message built here instead of at the throw site. V8 merges equal number-to-string
 * conversions within one optimized function, and the merged conversion of two throw sites'
 * template literals can be scheduled on the hot path, before either check: findLocked,
 * #setNumber and syncmap's #findIn each ran one NumberToString per call that way. A throw site
 * never runs, so V8 never inlines this call, and the conversion stays in here.
 */
export function tableError(where: string, s: number, table: number, why: string): Error & ShardMapError {
  return corruptError(where, `${s >= 0 ? `shard ${s} ` : ''}table at ${table}: ${why}`);
}
